# The P2C bot: one image for every instance (`p2c-bot run`, `run --webhook`, `db upgrade`, the other commands).
# Built from the repository root: docker build -t p2c-bot .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    P2C_LOG_FORMAT=json \
    P2C_WEBHOOK_HOST=0.0.0.0

# Noto CJK draws the Chinese labels of digest charts (Arabic, Cyrillic and Latin come with matplotlib);
# `p2c-bot run` refuses to start without it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin p2c

WORKDIR /app
# dependencies first, read from pyproject.toml alone, so that a change of code does not reinstall them
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY locales ./locales
# editable: the catalogs (locales/) are read beside the code; checked here, so a broken catalog fails the build
RUN pip install --no-deps -e . \
    && python -m bot.catalogs check \
    && python -m compileall -q bot handlers models

# /app is root's: the default SQLite file lives in /data, the user's (mount a volume there: docker run -v
# p2c-data:/data p2c-bot run). compose.yaml names PostgreSQL instead.
RUN mkdir /data && chown p2c /data
ENV P2C_DATABASE_URL=sqlite+aiosqlite:////data/p2c.db
VOLUME /data

USER p2c
EXPOSE 8081 9100
ENTRYPOINT ["p2c-bot"]
CMD ["run", "--webhook"]
