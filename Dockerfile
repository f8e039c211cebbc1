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
# dependencies first, so that a change of code alone does not reinstall them
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY locales ./locales
# editable: the catalogs (locales/) are read beside the code; checked here, so a broken catalog fails the build
RUN pip install -e . \
    && python -m bot.catalogs check \
    && python -m compileall -q bot handlers models

USER p2c
EXPOSE 8081 9100
ENTRYPOINT ["p2c-bot"]
CMD ["run", "--webhook"]
