#!/usr/bin/env bash
# Set up gui-agent on this machine, idempotently: system packages (as root, else print the
# apt command), a virtual environment in .venv, the package in editable mode with its extras.
# A second run checks and returns in about a second.
#
# With --test (what `make test` runs) it also installs the real programs the desktop tests
# drive (mousepad, zenity: GTK programs nobody here wrote) and makes .venv-serve:
# `transformers serve`, the OpenAI-compatible server the tests run the served engine against.
# It needs torchvision, which does not import beside the CPU torch of .venv, hence its own
# environment (torch 2.14.1 + torchvision 0.29.1, ~6 GB); and .venv-export: optimum-intel, which
# exports Qwen3-VL checkpoints for the OpenVINO engine and pins transformers 5.0 for them.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVE=0
case "${1:-}" in --test|--serve) SERVE=1 ;; esac

EXTRAS="${GUI_AGENT_EXTRAS:-ocr,desktop,qwen,openvino,ray,server,mcp,test}"
# The CPU build of torch (a bare `torch` would pull a multi-GB CUDA build); set GUI_AGENT_TORCH
# to another requirement (or to "" to skip) for a GPU machine.
TORCH="${GUI_AGENT_TORCH-torch==2.13.0}"
PYTHON="${PYTHON:-python3}"
# Chromium for the browser, fonts so pages render text, Xvfb/xdotool/x11-utils for desktops,
# tesseract for the desktop OCR fallback, python3-tk (pyautogui imports tkinter), x11-apps
# (xcalc, the desktop example's program), xfonts-utils (mkfontdir: the tests try xcalc under
# other font set-ups, benchmarks/font_setups.py), python3-venv for the virtual environment.
APT_PACKAGES=(chromium fonts-dejavu-core fonts-liberation xvfb xdotool x11-utils x11-apps xfonts-utils
              tesseract-ocr tesseract-ocr-eng python3-tk python3-venv)
[ "$SERVE" = 1 ] && APT_PACKAGES+=(mousepad zenity)

say() { printf 'setup: %s\n' "$*" >&2; }

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      # A Chromium from elsewhere (Ubuntu's snap wrapper, Chrome, GUI_AGENT_CHROMIUM) will do.
      if [ "$pkg" = chromium ] && { [ -n "${GUI_AGENT_CHROMIUM:-}" ] ||
           command -v chromium >/dev/null || command -v chromium-browser >/dev/null ||
           command -v google-chrome >/dev/null; }; then
        continue
      fi
      missing+=("$pkg")
    fi
  done
else
  say "no dpkg here: not checking system packages (install Chromium and fonts yourself)"
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]}"
    printf '\nRun this, then try again:\n\n  sudo apt-get update && sudo apt-get install -y %s\n\n' "${missing[*]}" >&2
    exit 1
  fi
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  say "gui-agent needs Python >= 3.10; $PYTHON is $("$PYTHON" --version 2>&1). Set PYTHON=python3.x"
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi

# Reinstall only when the project's metadata or the extras changed.
stamp=".venv/.gui-agent-installed"
MINIWOB="miniwob==1.1.0"
want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1) $EXTRAS $TORCH $MINIWOB"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing gui-agent[$EXTRAS] into .venv (a minute or two the first time; log: .venv/pip.log)"
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         { [ -z "$TORCH" ] || .venv/bin/python -m pip install "$TORCH"; } &&
         .venv/bin/python -m pip install -e ".[$EXTRAS]" &&
         # MiniWoB++'s pages for benchmarks/miniwob.py and its test; only its HTML is used,
         # so not its dependencies (gymnasium, selenium).
         { [[ ",$EXTRAS," != *,test,* ]] ||
           .venv/bin/python -m pip install --no-deps "$MINIWOB"; }; } >.venv/pip.log 2>&1; then
    tail -n 40 .venv/pip.log >&2
    say "pip failed; the whole log is in .venv/pip.log"
    exit 1
  fi
  printf '%s' "$want" > "$stamp"
fi

if [ "$SERVE" = 1 ]; then
  serve_stamp=".venv-serve/.gui-agent-installed"
  serve_want="${GUI_AGENT_SERVE_REQS:-torch==2.14.1 torchvision==0.29.1 transformers[serving]>=5.2,<6 accelerate pillow}"
  if [ ! -f "$serve_stamp" ] || [ "$(cat "$serve_stamp")" != "$serve_want" ]; then
    say "installing transformers serve into .venv-serve (a few minutes the first time; log: .venv-serve/pip.log)"
    [ -x .venv-serve/bin/python ] || "$PYTHON" -m venv .venv-serve
    # shellcheck disable=SC2086 # the requirements are words
    if ! .venv-serve/bin/python -m pip install $serve_want >.venv-serve/pip.log 2>&1; then
      tail -n 40 .venv-serve/pip.log >&2
      say "pip failed for .venv-serve; the whole log is in .venv-serve/pip.log"
      exit 1
    fi
    printf '%s' "$serve_want" > "$serve_stamp"
  fi
fi

if [ "$SERVE" = 1 ]; then
  export_stamp=".venv-export/.gui-agent-installed"
  # optimum-intel's own requirements would replace the CPU torch (it asks for torchvision) and
  # its transformers pin allows Qwen3-VL's export only up to 5.0: its dependencies are named
  # here and it is installed without them.
  export_deps="${GUI_AGENT_EXPORT_REQS:-torch==2.13.0 transformers==5.0.0 huggingface-hub<1.22 accelerate pillow openvino openvino-tokenizers nncf requests}"
  export_want="$export_deps | optimum-intel==2.2.0 optimum==2.3.0"
  if [ ! -f "$export_stamp" ] || [ "$(cat "$export_stamp")" != "$export_want" ]; then
    say "installing the OpenVINO exporter into .venv-export (a minute or two; log: .venv-export/pip.log)"
    [ -x .venv-export/bin/python ] || "$PYTHON" -m venv .venv-export
    # shellcheck disable=SC2086 # the requirements are words
    if ! { .venv-export/bin/python -m pip install $export_deps &&
           .venv-export/bin/python -m pip install --no-deps optimum-intel==2.2.0 optimum==2.3.0; } \
         >.venv-export/pip.log 2>&1; then
      tail -n 40 .venv-export/pip.log >&2
      say "pip failed for .venv-export; the whole log is in .venv-export/pip.log"
      exit 1
    fi
    printf '%s' "$export_want" > "$export_stamp"
  fi
fi
