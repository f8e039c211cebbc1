"use strict";
// The sandbox chat page: people on the left, the chosen person's chat on the right.
// Messages are built as DOM nodes from text + entities, so only Telegram's formatting can appear.

const state = { users: [], current: null, lastSeq: 0, nodes: new Map(), texts: new Map(), polling: null,
  longPoll: null, keyboardSeq: -1, replyTo: null, instance: null, offline: false, failures: 0, botName: null,
  maxFile: 20 * 1024 * 1024, maxBody: 4 * Math.ceil(20 * 1024 * 1024 / 3) + 1024 * 1024 };
const $ = (id) => document.getElementById(id);

class Unreachable extends Error {}  // the sandbox did not answer at all (stopped, restarting)

async function api(method, path, body, signal) {
  const init = { method, headers: {}, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch("/sandbox/" + path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    // the browser's own words ("Failed to fetch") say nothing to a person trying the demo
    throw new Unreachable("The sandbox does not answer (stopped?): try again once it is back.");
  }
  // an answer that is not the sandbox's JSON (a body too large, refused before it was read) is said as it came
  const data = await response.json().catch(() => ({ error: `the sandbox answered ${response.status} ${response.statusText}` }));
  if (!data.ok) throw new Error(data.error || "request failed");
  return data;
}

// ---- people ----
function pressable(element, action) {
  // reached with Tab and pressed with Enter or Space, as a button is
  element.tabIndex = 0;
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      action();
    }
  });
}

function clickable(element, action, role = "button") {
  // a control clicked or pressed from the keyboard (a person of the list, a /command, ↩ Reply)
  pressable(element, action);
  element.setAttribute("role", role);
  element.addEventListener("click", action);
  return element;
}

async function loadPeople() {
  const { users } = await api("GET", "users");
  state.users = users;
  const list = $("people");
  list.replaceChildren(...users.map((user) => {
    const item = document.createElement("li");
    item.dataset.userId = user.id;
    item.dir = "auto";
    item.textContent = [user.first_name, user.last_name].filter(Boolean).join(" ");
    const lang = document.createElement("span");
    lang.className = "lang";
    lang.textContent = user.language_code || "";
    item.append(lang);
    if (user.about) {  // who they are in the demo: "BDT staff: validates"
      const about = document.createElement("small");
      about.className = "about";
      about.textContent = user.about;
      item.append(about);
    }
    item.classList.toggle("selected", user.id === state.current);
    item.classList.toggle("blocked", !!user.blocked);
    clickable(item, () => selectPerson(user.id).catch((e) => toast(e.message)), "option");
    item.setAttribute("aria-selected", String(user.id === state.current));
    return item;
  }));
}

async function addPerson(event) {
  event.preventDefault();
  const name = $("person-name").value.trim();
  if (!name) return;
  // the sandbox chooses the id: two pages adding people at once would otherwise take the same one
  const { user } = await api("POST", "users", { first_name: name, language_code: $("person-language").value });
  $("person-name").value = "";
  await loadPeople();
  await selectPerson(user.id);
}

function personInHash() {
  return Number((location.hash.match(/user=(\d+)/) || [])[1]);
}

async function selectPerson(id) {
  state.current = id;
  showMenu();  // an open "/" menu shows the commands of the person now on screen
  if (state.longPoll) state.longPoll.abort();  // the long poll of the chat shown before: the loop polls this one
  clearChat();
  location.hash = "user=" + id;
  const user = state.users.find((u) => u.id === id);
  $("chat-title").textContent = user ? user.first_name : "User " + id;
  $("chat-title").dir = "auto";
  for (const control of [$("text-input"), $("send-button")]) control.disabled = false;
  showPeople(false);
  document.querySelectorAll("#people li").forEach((li) => {
    li.classList.toggle("selected", +li.dataset.userId === id);
    li.setAttribute("aria-selected", String(+li.dataset.userId === id));
  });
  if (!$("clock").hidden) loadHeld();  // "Next delivery" prefers this person's messages
  await poll();
  window.__sandboxFirstPaint = performance.now();
  $("text-input").focus();
}

function clearChat() {
  state.lastSeq = 0;
  state.nodes.clear();
  state.texts.clear();
  state.keyboardSeq = -1;
  replyTo(null);
  $("messages").replaceChildren();
  showReplyKeyboard(null);
}

// On a phone the people list is a drawer over the chat: open it to choose, and it closes on a choice.
const PHONE = window.matchMedia("(max-width: 700px)");

function showPeople(open) {
  document.body.classList.toggle("people-open", open);
  $("people-toggle").setAttribute("aria-expanded", String(open));
  $("people-backdrop").hidden = !(open && PHONE.matches);
}

// ---- rendering ----
const SAFE_URL = /^(https?:|tg:|mailto:)/i;
const TIME = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" });  // one formatter: 1,000 paints

function elementFor(entity, text) {
  const tags = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
    blockquote: "blockquote", expandable_blockquote: "blockquote" };
  if (tags[entity.type]) return document.createElement(tags[entity.type]);
  if (entity.type === "spoiler") {
    const span = document.createElement("span");
    span.className = "tg-spoiler";
    clickable(span, () => span.classList.add("revealed"));
    return span;
  }
  if (["text_link", "url", "email"].includes(entity.type)) {
    const href = entity.type === "text_link" ? entity.url : entity.type === "email" ? "mailto:" + text : text;
    const link = document.createElement("a");
    if (SAFE_URL.test(href)) link.href = href; else if (entity.type === "url") link.href = "http://" + href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    opensInPage(link, link.href);
    return link;
  }
  const span = document.createElement("span");
  if (entity.type === "bot_command") {
    span.className = "command";
    clickable(span, () => sendText(text));
  }
  return span;
}

// the bot's own t.me link with a start parameter (an invitation, say): on Telegram a tap opens the bot's chat and
// sends "/start PARAMETER"; here, offline, the page asks who opens it
function startParameter(href) {
  const match = /^(?:https?:\/\/)?(?:t\.me|telegram\.me)\/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]{1,64})$/.exec(href || "");
  return match && state.botName && match[1].toLowerCase() === state.botName.toLowerCase() ? match[2] : null;
}

function opensInPage(link, href) {
  const parameter = startParameter(href);
  if (parameter === null) return;
  link.title = "Opens the bot's chat as a person you name, as a tap on Telegram does";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    openStartLink(parameter).catch((e) => toast(e.message));
  });
}

async function openStartLink(parameter) {
  const answer = prompt("Open the bot's link as which person? A name on the list, or a new name to add someone "
    + "(in the language chosen under the list).", "");
  const name = (answer || "").trim();
  if (!name) return;
  const named = (u) => [String(u.id), u.first_name, [u.first_name, u.last_name].filter(Boolean).join(" ")]
    .some((known) => known.toLowerCase() === name.toLowerCase());
  let person = state.users.find(named);
  if (!person) {
    ({ user: person } = await api("POST", "users", { first_name: name, language_code: $("person-language").value }));
    await loadPeople();
  }
  await selectPerson(person.id);
  await sendText(`/start ${parameter}`);
}

function formatted(text, entities) {
  const root = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const stack = [{ node: root, end: text.length }];
  let pos = 0;
  const emit = (upto) => {
    if (upto > pos) stack[stack.length - 1].node.append(text.slice(pos, upto));
    pos = Math.max(pos, upto);
  };
  const close = () => {
    emit(stack[stack.length - 1].end);
    stack.pop();
  };
  for (const entity of sorted) {
    while (stack.length > 1 && stack[stack.length - 1].end <= entity.offset) close();
    emit(entity.offset);
    const top = stack[stack.length - 1];
    const end = Math.min(entity.offset + entity.length, top.end);
    const element = elementFor(entity, text.slice(entity.offset, end));
    top.node.append(element);
    stack.push({ node: element, end });
  }
  while (stack.length > 1) close();
  emit(text.length);
  return root;
}

function inlineKeyboard(message) {
  const box = document.createElement("div");
  box.className = "keyboard";
  for (const row of message.reply_markup.inline_keyboard) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      let control;
      if (button.url) {
        control = document.createElement("a");
        if (SAFE_URL.test(button.url)) control.href = button.url;
        control.target = "_blank";
        control.rel = "noopener noreferrer";
        opensInPage(control, button.url);
      } else {
        control = document.createElement("button");
        control.type = "button";
        if (button.callback_data !== undefined) {
          control.addEventListener("click", () => press(message.message_id, button.callback_data));
        } else control.disabled = true;
      }
      control.dir = "auto";
      control.textContent = button.text;
      line.append(control);
    }
    box.append(line);
  }
  return box;
}

function line(className, text) {
  const div = document.createElement("div");
  div.className = className;
  div.dir = "auto";
  div.textContent = text;
  return div;
}

// what a message is, in a few words: for quotes of replies and the reply bar
function summary(message) {
  const body = message.text ?? message.caption;
  if (body) return body.slice(0, 80);
  if (message.sticker) return `${message.sticker.emoji || ""} sticker`;
  if (message.voice) return `🎤 voice note (${message.voice.duration} s)`;
  if (message.video) return `🎬 ${message.video.file_name || "video"} (${message.video.duration} s)`;
  if (message.video_note) return `⏺ round video (${message.video_note.duration} s)`;
  if (message.location) return `📍 ${message.location.latitude}, ${message.location.longitude}`;
  if (message.contact) return `👤 ${message.contact.first_name} ${message.contact.phone_number}`;
  if (message.document) return `📄 ${message.document.file_name || "file"}`;
  return message.photo ? "🖼 photo" : "…";
}

function renderOtherKinds(message, box) {
  if (message.forwarded_from) box.append(line("forwarded", `Forwarded from ${message.forwarded_from}`));
  if (message.reply_to) box.append(line("quote", state.texts.get(message.reply_to) || `message ${message.reply_to}`));
  if (message.sticker) box.append(line("sticker", message.sticker.emoji || "🖼"));
  if (message.voice) {
    const link = document.createElement("a");
    link.className = "document";
    link.href = message.voice.url;
    link.textContent = `🎤 voice note, ${message.voice.duration} s`;
    box.append(link);
  }
  for (const [kind, name] of [["video", "video"], ["video_note", "round video"]]) {
    if (!message[kind]) continue;
    const link = document.createElement("a");
    link.className = "document";
    link.href = message[kind].url;
    link.textContent = `${message[kind].icon} ${message[kind].file_name || name}, ${message[kind].duration} s`;
    box.append(link);
  }
  if (message.location) {
    box.append(line("document", `📍 ${message.location.latitude}, ${message.location.longitude}`));
  }
  if (message.contact) {
    const { first_name: first, last_name: last, phone_number: phone } = message.contact;
    box.append(line("document", `👤 ${[first, last].filter(Boolean).join(" ")} · ${phone}`));
  }
}

function renderMessage(message) {
  const box = document.createElement("div");
  box.className = message.from_bot ? "msg bot" : "msg mine";
  box.dataset.messageId = message.message_id;
  state.texts.set(message.message_id, summary(message));
  renderOtherKinds(message, box);
  if (message.photo) {
    const image = document.createElement("img");
    image.src = message.photo.url;
    image.width = message.photo.width;
    image.height = message.photo.height;
    image.alt = "photo";
    image.loading = "lazy";
    // a tap opens it whole, as in Telegram: a digest's chart squeezed into a phone's bubble cannot be read
    const whole = document.createElement("a");
    whole.href = message.photo.url;
    whole.target = "_blank";
    whole.rel = "noopener";
    whole.className = "photo";
    whole.title = "Open the picture whole";
    whole.append(image);
    box.append(whole);
  }
  if (message.document) {
    const link = document.createElement("a");
    link.className = "document";
    link.href = message.document.url;
    link.download = message.document.file_name || "file";
    link.textContent = `↓ ${message.document.file_name || "file"} (${message.document.size} B)`;
    box.append(link);
  }
  const body = message.text ?? message.caption;
  if (body) {
    const text = document.createElement("div");
    text.className = "text";
    text.dir = "auto";
    text.append(formatted(body, message.entities));
    box.append(text);
  }
  if (message.reply_markup && message.reply_markup.inline_keyboard) box.append(inlineKeyboard(message));
  const meta = document.createElement("div");
  meta.className = "meta";
  const reply = document.createElement("span");
  reply.className = "reply";
  reply.textContent = "↩ Reply";
  clickable(reply, () => replyTo(message.message_id));
  meta.append(reply, (message.edited ? "edited " : "") + TIME.format(new Date(message.date * 1000)));
  box.append(meta);
  return box;
}

function showReplyKeyboard(markup) {
  const area = $("reply-keyboard");
  if (!markup || !markup.keyboard) {
    area.hidden = true;
    area.replaceChildren();
    return;
  }
  area.replaceChildren(...markup.keyboard.map((row) => {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const label = typeof button === "string" ? button : button.text;
      const control = document.createElement("button");
      control.type = "button";
      control.dir = "auto";
      control.textContent = label;
      control.addEventListener("click", () => {
        if (markup.one_time_keyboard) showReplyKeyboard(null);
        sendText(label);
      });
      line.append(control);
    }
    return line;
  }));
  area.hidden = false;
}

function applyMessages(messages) {
  const list = $("messages");
  const stuck = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const fresh = [];
  for (const message of messages) {
    const old = state.nodes.get(message.message_id);
    if (message.deleted) {
      if (old) old.remove();
      state.nodes.delete(message.message_id);
      continue;
    }
    const node = renderMessage(message);
    if (old) old.replaceWith(node); else fresh.push(node);
    state.nodes.set(message.message_id, node);
    const markup = message.reply_markup;
    if (message.from_bot && markup && (markup.keyboard || markup.remove_keyboard) && message.seq > state.keyboardSeq) {
      state.keyboardSeq = message.seq;
      showReplyKeyboard(markup.keyboard ? markup : null);
    }
  }
  placeInOrder(list, fresh);
  if (stuck || state.lastSeq === 0) list.scrollTop = list.scrollHeight;
}

// new messages take their place by message id, as in Telegram: the sandbox sends a chat in the order of each
// message's last change, and a message edited after later ones came (a staff notice once decided) would otherwise
// be shown below them after a reload or a switch of person (a tester)
function placeInOrder(list, nodes) {
  const id = (node) => Number(node.dataset.messageId);
  nodes.sort((a, b) => id(a) - id(b));
  const last = list.lastElementChild;
  if (!last || !nodes.length || id(last) < id(nodes[0])) {  // the usual case: all of them after what is shown
    list.append(...nodes);
    return;
  }
  let child = list.firstElementChild;
  for (const node of nodes) {
    while (child && id(child) < id(node)) child = child.nextElementSibling;
    list.insertBefore(node, child);
  }
}

// ---- talking to the sandbox ----
// one look at the chat on screen (a long poll with `wait`); false when it failed (`state.offline`: no answer at all)
async function poll(wait = 0) {
  const id = state.current;
  if (id === null) return true;
  const controller = new AbortController();
  if (wait) state.longPoll = controller;
  const instance = state.instance === null ? "" : `&instance=${state.instance}`;
  try {
    const data = await api("GET", `users/${id}/chat?since=${state.lastSeq}&wait=${wait}${instance}`, undefined,
      controller.signal);
    if (id !== state.current) return true;
    if (state.instance !== null && data.instance !== state.instance) {
      // the sandbox restarted (or was reset): its chats start again, their sequence and message ids too
      state.instance = data.instance;
      clearChat();
      toast("The sandbox restarted: its chats start empty (the bot still knows the people and what they did).");
      loadPeople().catch(() => {});
      return poll();
    }
    state.instance = data.instance;
    state.offline = false;
    applyMessages(data.messages);
    state.lastSeq = data.last_seq;
    return true;
  } catch (error) {
    if (error.name === "AbortError") return true;
    state.offline = error instanceof Unreachable;  // fetch's own failure: nothing answered
    if (!state.offline) toast(error.message);
    return false;
  } finally {
    if (state.longPoll === controller) state.longPoll = null;
  }
}

function replyTo(messageId) {
  state.replyTo = messageId;
  $("replying").hidden = messageId === null;
  $("replying-text").textContent = messageId === null ? "" : "↩ " + (state.texts.get(messageId) || "");
  if (messageId !== null) $("text-input").focus();
}

// send one message to the sandbox as the chosen person: a reply when one is being written
async function send(body) {
  // true once the sandbox took the message; false when it refused it or did not answer (said in a toast)
  if (state.current === null) return false;
  const message = state.replyTo === null ? body : { ...body, reply_to_message_id: state.replyTo };
  let sent = false;
  try {
    await api("POST", `users/${state.current}/messages`, message);
    replyTo(null);
    sent = true;
  } catch (error) {
    toast(error.message);
  }
  await poll().catch(() => {});
  return sent;
}

async function sendText(text) {
  return !text.trim() || await send({ text });
}

function fitInput() {
  // the message box grows with its lines (Shift+Enter), up to six, as Telegram's does
  const input = $("text-input");
  input.style.height = "auto";  // its content height: scrollHeight counts the 4 px of padding above and below
  input.style.height = Math.min(input.scrollHeight - 8, 6 * 22) + "px";
}

async function showMenu() {
  // the "/" menu Telegram shows this person: the commands the bot set for them, their language or by default
  if (!$("menu").open || state.current === null) return;
  const list = $("menu-list");
  const person = state.current;
  let commands = [];
  try {
    ({ commands } = await api("GET", `users/${person}/commands`));
  } catch (error) {
    toast(error.message);
  }
  if (person !== state.current) return;  // another person was picked meanwhile: theirs is being read
  list.replaceChildren(...(commands.length ? commands.map(({ command, description }) => {
    const item = document.createElement("button");
    item.type = "button";
    item.dir = "auto";
    item.textContent = "/" + command;
    const about = document.createElement("small");
    about.textContent = description;
    item.append(about);
    item.addEventListener("click", () => {
      $("menu").open = false;
      sendText("/" + command);
    });
    return item;
  }) : [Object.assign(document.createElement("span"), { textContent: "The bot set no commands yet." })]));
}

function sendOther(kind) {
  $("more").open = false;
  if (kind === "sticker") return send({ sticker: { emoji: "🎉" } });
  if (kind === "voice") return send({ voice: { duration: 3 } });
  if (kind === "location") {
    const answer = prompt("Latitude, longitude", "46.2044, 6.1432");
    const [latitude, longitude] = (answer || "").split(",").map(Number);
    if (answer && Number.isFinite(latitude) && Number.isFinite(longitude)) {
      return send({ location: { latitude, longitude } });
    }
    return undefined;
  }
  const user = state.users.find((u) => u.id === state.current);
  const phone = prompt("Phone number to share", "+41 22 730 51 11");
  if (!phone) return undefined;
  return send({ contact: { phone_number: phone, first_name: user ? user.first_name : "Contact" } });
}

async function press(messageId, data) {
  const id = state.current;
  try {
    const { callback_query_id: queryId } = await api("POST", `users/${id}/press`,
      { message_id: messageId, callback_data: data });
    for (let attempt = 0; attempt < 20; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const { answers } = await api("GET", `users/${id}/callback_answers`);
      const answer = answers.find((a) => a.callback_query_id === queryId);
      if (answer && answer.answered) {
        if (answer.text) toast(answer.text);
        break;
      }
    }
  } catch (error) {
    toast(error.message);
  }
}

// a file's content in base64, encoded by the browser itself (a data: URL without its prefix): building the string in
// script took seconds for a file of 20 MB
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result.slice(reader.result.indexOf(",") + 1));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function asDocument(file) {
  const mime = file.type || "application/octet-stream";
  return { file_name: file.name, mime_type: mime, content_base64: await base64Of(file) };
}

// what Telegram's apps send as a (compressed) photo when picked to send; any other file goes as a document
const PHOTO_TYPES = ["image/jpeg", "image/png"];

const megabytes = (bytes) => `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
// a file's share of a request body: its base64 (4 characters for every 3 bytes), its name and the JSON around it
const bodyShare = (file) => 4 * Math.ceil(file.size / 3) + 2 * file.name.length + 256;

// files as the sandbox takes them: up to ten an album, and no more than one request body carries (a bot can
// download files of up to 20 MB, so the sandbox takes any such file, but an album of several is more than one body)
function albums(files) {
  const groups = [];
  let group = [];
  let size = 0;
  for (const file of files) {
    if (group.length === 10 || (group.length && size + bodyShare(file) > state.maxBody - 64 * 1024)) {
      groups.push(group);
      [group, size] = [[], 0];
    }
    group.push(file);
    size += bodyShare(file);
  }
  return group.length ? [...groups, group] : groups;
}

// files chosen together go as Telegram's apps send them: pictures as photos, videos as videos (each alone), other
// files as documents; one alone, several as albums of up to ten (photos apart from documents), the text typed as
// the first one's caption
async function sendFile() {
  const chosenFiles = Array.from($("file-input").files);
  if (!chosenFiles.length || state.current === null) return;
  // a bot can download files of up to 20 MB (Telegram's limit): a bigger one is said so, and not sent
  const tooBig = chosenFiles.filter((file) => file.size > state.maxFile);
  const files = chosenFiles.filter((file) => file.size <= state.maxFile);
  if (tooBig.length) {
    const size = (file) => (megabytes(file.size) === megabytes(state.maxFile) ? "over " : "") + megabytes(file.size);
    const named = tooBig.map((file) => `“${file.name}” (${size(file)})`).join(", ");
    toast(`Not sent: ${named}. A bot can download files of up to ${megabytes(state.maxFile)}, so the sandbox `
      + "takes none bigger.", 10000);
  }
  let caption = $("text-input").value.trim();
  const photos = files.filter((file) => PHOTO_TYPES.includes(file.type));
  const videos = files.filter((file) => file.type.startsWith("video/"));
  const documents = files.filter((file) => !PHOTO_TYPES.includes(file.type) && !videos.includes(file));
  try {
    for (const file of videos) {
      const { file_name: name, mime_type: mime, content_base64: data } = await asDocument(file);
      await api("POST", `users/${state.current}/messages`,
        { video: { file_name: name, mime_type: mime, content_base64: data }, ...(caption ? { caption } : {}) });
      caption = "";
    }
    for (const [kind, chosen] of [["photo", photos], ["document", documents]]) {
      for (const album of albums(chosen)) {
        const group = await Promise.all(album.map(asDocument));
        const items = kind === "photo" ? group.map(({ content_base64: data }) => ({ content_base64: data })) : group;
        const words = caption ? { caption } : {};
        const body = items.length === 1 ? { [kind]: items[0], ...words }
          : { album: items.map((item) => ({ [kind]: item })), ...words };
        await api("POST", `users/${state.current}/messages`, body);
        caption = "";
      }
    }
    if (files.length) {  // the caption went with them
      $("text-input").value = "";
      fitInput();
    }
  } catch (error) {
    toast(error.message, 10000);
  }
  $("file-input").value = "";
  await poll();
}

let toastTimer = null;
function toast(text, milliseconds = 3000) {
  const box = $("toast");
  box.textContent = text;
  box.dir = "auto";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, milliseconds);
}

// ---- the bot's test clock (only when the sandbox runs with P2C_TEST_CLOCK_FILE) ----
function showClock(data) {
  $("clock").hidden = false;
  $("clock-now").textContent = "Bot time: " + data.now.slice(0, 16).replace("T", " ") + " UTC";
}

async function loadClock() {
  try {
    showClock(await api("GET", "clock"));
  } catch (error) {
    if (!(error instanceof Unreachable)) $("clock").hidden = true;  // the test clock is off (not: the sandbox stopped)
  }
}

async function advanceWeek() {
  try {
    showClock(await api("POST", "clock", { advance_seconds: 7 * 24 * 3600 }));
    toast("The bot's clock moved one week ahead: what waits for working hours shows under it.");
  } catch (error) {
    toast(error.message);
  }
}

// ---- what the bot holds for later: reminders and digests wait for their reader's working hours (GET
// /sandbox/held, told by p2c-bot sandbox, which reads the bot's outbox); "Next delivery" moves the clock there ----
const shortTime = (iso) => iso.slice(5, 16).replace("T", " ");

// the first moment something held may go: for the person on screen when they have some, else for anyone
function nextHeld(held) {
  const mine = held.chats.filter((chat) => chat.chat_id === state.current);
  const chosen = mine.length ? mine : held.chats;
  if (!chosen.length) return null;
  return chosen.reduce((first, chat) => (Date.parse(chat.next) < Date.parse(first.next) ? chat : first));
}

function showHeld(held) {
  const next = held && !$("clock").hidden ? nextHeld(held) : null;
  $("held").hidden = next === null;
  if (next === null) return;
  const total = held.chats.reduce((sum, chat) => sum + chat.count, 0);
  $("held-text").textContent = `${total} ${total === 1 ? "message waits" : "messages wait"} for later`;
  const user = state.users.find((u) => u.id === next.chat_id);
  $("next-delivery").textContent = `⏩ Next delivery: ${user ? user.first_name + ", " : ""}${shortTime(next.next)} UTC`;
}

async function loadHeld() {
  try {
    const held = await api("GET", "held");
    showHeld(held);
    return held;
  } catch (error) {
    showHeld(null);  // a bare sandbox (no bot runner): nothing known
    return null;
  }
}

async function nextDelivery() {
  try {
    const held = await loadHeld();
    const next = held && nextHeld(held);
    if (!next) return;
    const seconds = Math.max(0, (Date.parse(next.next) - Date.parse(held.now)) / 1000) + 1;
    showClock(await api("POST", "clock", { advance_seconds: seconds }));
    toast(`The bot's clock moved to ${shortTime(next.next)} UTC: what was held until then goes now.`);
    $("held").hidden = true;
  } catch (error) {
    toast(error.message);
  }
}

async function loop() {
  // a long poll: the sandbox answers as soon as the chat changes, or after 20 s; after a failure a quick look
  // first, so that a sandbox back (restarted) is said at once, not when a long poll of a quiet chat ends
  const answered = await (state.current === null ? new Promise((resolve) => setTimeout(resolve, 300, true))
    : poll(state.failures ? 0 : 20));
  // a sandbox that failed is asked again after 1 s, then 2, 4 and every 5 s, and the page says it is stopped
  state.failures = answered ? 0 : state.failures + 1;
  const delay = answered ? 50 : Math.min(5000, 1000 * 2 ** (state.failures - 1));
  $("offline").hidden = answered || !state.offline;
  $("offline").textContent = `The sandbox does not answer (stopped?): asking again in ${delay / 1000} s…`;
  state.polling = setTimeout(loop, delay);
}

async function start() {
  $("add-person").addEventListener("submit", (event) => addPerson(event).catch((e) => toast(e.message)));
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("text-input");
    const text = input.value;
    input.value = "";
    fitInput();
    // refused (too long) or not sent (the sandbox stopped): given back to change or send again, unless typed over
    if (!(await sendText(text)) && !input.value) {
      input.value = text;
      fitInput();
    }
  });
  $("text-input").addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter a new line; not the Enter that ends an input method's composition (Chinese, Japanese:
    // Safari says so by keyCode 229 alone)
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("text-input").addEventListener("input", fitInput);
  // its file input is hidden: the label takes the keyboard (a click on it opens the input already)
  pressable(document.querySelector(".file-button"), () => $("file-input").click());
  $("file-input").addEventListener("change", sendFile);
  $("menu").addEventListener("toggle", () => showMenu());
  for (const kind of ["sticker", "voice", "location", "contact"]) {
    $("send-" + kind).addEventListener("click", () => sendOther(kind));
  }
  $("replying-cancel").addEventListener("click", () => replyTo(null));
  $("advance-week").addEventListener("click", advanceWeek);
  $("next-delivery").addEventListener("click", nextDelivery);
  $("people-toggle").addEventListener("click", () => showPeople(!document.body.classList.contains("people-open")));
  $("people-backdrop").addEventListener("click", () => showPeople(false));
  PHONE.addEventListener("change", () => showPeople(false));
  await loadClock();
  await loadPeople();
  await loadHeld();
  const about = await api("GET", "bot").catch(() => ({ bot: {} }));
  state.botName = about.bot.username || null;
  state.maxFile = about.max_file_bytes || state.maxFile;
  state.maxBody = about.max_body_bytes || state.maxBody;
  // a link to another person's chat (or Back in the browser) opens that chat, as loading the page would; listened
  // for before the first chat opens, whose first poll may still be on its way when the address changes again
  window.addEventListener("hashchange", () => {
    const person = personInHash();
    if (person && person !== state.current && state.users.some((u) => u.id === person)) {
      selectPerson(person).catch((e) => toast(e.message));
    }
  });
  const wanted = personInHash();
  if (wanted && state.users.some((u) => u.id === wanted)) await selectPerson(wanted);
  else showPeople(PHONE.matches);  // nobody chosen yet: on a phone, the list is what to see first
  setInterval(() => {
    loadPeople().catch(() => {});
    if (!$("clock").hidden) loadClock().then(loadHeld);
  }, 3000);
  state.polling = setTimeout(loop, 400);
}

start();
