# faqbot: the Telegram bot, as deployed. The database (and a writable corpus) live on /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY corpus ./corpus
COPY handlers ./handlers

RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 faqbot \
    && mkdir -p /data \
    && chown faqbot:faqbot /data

USER 10001:10001
ENV FAQBOT_DB=/data/faqbot.sqlite3
VOLUME ["/data"]

# `docker stop` sends SIGTERM; the bot finishes what is in flight and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["faqbot"]
CMD ["run"]
