# agent serve in a container: the web page and REST API on port 7860, Debian's Chromium, the
# OCR models (bundled in rapidocr's wheel), and the CPU build of torch for Qwen3-VL checkpoints
# mounted at /models. Build and run:
#   docker build -t gui-agent .
#   docker run -p 7860:7860 -e GUI_AGENT_TOKEN=$(openssl rand -hex 16) \
#       -v ~/models:/models:ro gui-agent                      # add --model /models/qwen3-vl-2b
FROM python:3.11-slim-bookworm

ARG TORCH=torch==2.13.0
ARG EXTRAS=ocr,qwen,server

# Chromium for /capture, fonts so pages render text; no recommends keeps the image small.
# Not pinned: bookworm's point releases replace these versions (security fixes), and a pin
# would break the build each time.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

# A user of its own: the server never needs root, and runs/ belongs to it.
RUN useradd --create-home --uid 1000 agent
WORKDIR /app

# The CPU build of torch first (a bare requirement would pull a multi-GB CUDA build), from the
# PyTorch CPU index (the build machine has no local wheel). Pinned by the TORCH argument.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "${TORCH}"

COPY pyproject.toml README.md ./
COPY agent ./agent
COPY actions ./actions
COPY perception ./perception
# The project itself: its dependencies' ranges are in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[${EXTRAS}]"

USER 1000:1000
WORKDIR /home/agent
# Inside the container the server must listen beyond loopback; agent serve refuses to do so
# without a token (GUI_AGENT_TOKEN, given with docker run -e).
ENV GUI_AGENT_CHROMIUM=/usr/bin/chromium \
    PYTHONUNBUFFERED=1
EXPOSE 7860
VOLUME ["/models", "/home/agent/runs"]
ENTRYPOINT ["agent", "serve", "--host", "0.0.0.0", "--port", "7860", "--runs", "/home/agent/runs"]
