#!/usr/bin/env bash
# Installs torch's CPU build, which the deep extra (the neural family's training) needs.
#
# Why not `pip install torch`: PyPI's Linux wheel pulls several GB of CUDA libraries, which
# training on CPU never uses. A CPU build the interpreter's pip can already see (a '+cpu'
# version on its indexes or find-links) is taken first, then PyTorch's own CPU index.
# Usage: tools/install_cpu_torch.sh [PYTHON]   (default: python)
set -euo pipefail
PY=${1:-python}
if "$PY" -c "import torch" 2>/dev/null; then
  exit 0
fi
cpu=$("$PY" -m pip index versions torch 2>/dev/null | sed -n 's/^Available versions: //p' | tr ',' '\n' \
      | tr -d ' ' | grep '+cpu$' | head -n 1 || true)
if [ -n "$cpu" ]; then
  "$PY" -m pip install --quiet "torch==$cpu"
else
  "$PY" -m pip install --quiet torch --index-url https://download.pytorch.org/whl/cpu
fi
