#!/usr/bin/env bash
# One call on a machine with an NVIDIA GPU (issue 29): install the [gpu] extra, generate N scanned
# pages, run `govreport batch` over them on the CPU and on the GPU, and print the providers the
# sessions got, pages/s of each run, the recognition service's share of the GPU run, and GPU memory.
#
#   bash benchmarks/gpu_check.sh            # N=300 pages
#   N=600 DEVICE=cuda:0,1 bash benchmarks/gpu_check.sh
#
# Environment: N (pages, default 300), DEVICE (default cuda), PYTHON (default python3: run it in a
# virtual environment), PIP_ARGS (extra pip arguments, e.g. "--no-index --find-links /wheels" where
# PyPI cannot be reached), WORK (default benchmarks/_work/gpu_check). Each step has a time limit, so
# that the whole stays under 8 minutes on one H100. Exit codes: 0 done, 2 no GPU here, 3 the [gpu]
# extra could not be installed, 4 onnxruntime has no CUDA provider after it, 5 a run failed.
set -uo pipefail

N=${N:-300}
DEVICE=${DEVICE:-cuda}
PY=${PYTHON:-python3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$ROOT/benchmarks/_work/gpu_check}
CORES=$(nproc)

DEADLINE=$((SECONDS + 450))  # 7.5 minutes for everything; each step gets at most what is left
cap() { local left=$((DEADLINE - SECONDS)); [ "$left" -gt 5 ] || left=5; echo $(( $1 < left ? $1 : left )); }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
say() { printf 'gpu_check: %s\n' "$*"; }
die() { code=$1; shift; printf 'gpu_check: error: %s\n' "$*" >&2; exit "$code"; }

# 1. a GPU, before anything is installed or generated
command -v nvidia-smi >/dev/null 2>&1 || die 2 "no NVIDIA GPU here (nvidia-smi not found); run this on a machine with one"
GPUS=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
[ "${GPUS:-0}" -ge 1 ] || die 2 "no NVIDIA GPU here (nvidia-smi lists none); run this on a machine with one"
say "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n 1) ($GPUS GPU(s)), $CORES cores"

# 2. the [gpu] extra: onnxruntime-gpu instead of the CPU build (both are the module onnxruntime)
has_cuda() { "$PY" -c 'import onnxruntime as o, sys; sys.exit("CUDAExecutionProvider" not in o.get_available_providers())' 2>/dev/null; }
cd "$ROOT" || exit 1
if ! has_cuda; then
    say "installing govreport[gpu] (onnxruntime-gpu with the CUDA and cuDNN wheels)"
    # shellcheck disable=SC2086
    timeout "$(cap 180)" "$PY" -m pip install -q ${PIP_ARGS:-} -e ".[gpu]" \
        && timeout "$(cap 30)" "$PY" -m pip uninstall -q -y onnxruntime \
        && timeout "$(cap 180)" "$PY" -m pip install -q ${PIP_ARGS:-} --force-reinstall "onnxruntime-gpu[cuda,cudnn]>=1.19" \
        || die 3 "pip could not install the [gpu] extra (set PIP_ARGS for a local wheelhouse)"
fi
has_cuda || die 4 "onnxruntime has no CUDAExecutionProvider after installing onnxruntime-gpu"
say "$("$PY" -c 'import onnxruntime as o; print("onnxruntime", o.__version__, "providers:", ", ".join(o.get_available_providers()))')"

# 3. N scanned pages (office and poor scans in turn), generated in parallel, kept for the next call
DOCS=$WORK/docs-$N
if [ ! -f "$DOCS/.done" ]; then
    rm -rf "$DOCS" && mkdir -p "$DOCS"
    reports=$(( (N + 2) / 3 ))  # a generated report has 3 to 4 pages; the count below is the real one
    per=$(( (reports + CORES - 1) / CORES ))
    say "generating about $N scanned pages ($reports reports, $CORES at a time)"
    pids=()
    for ((k = 0; k * per < reports; k++)); do
        quality=$([ $((k % 2)) -eq 0 ] && echo office || echo poor)
        n=$(( reports - k * per < per ? reports - k * per : per ))
        timeout "$(cap 120)" "$PY" -m govreport.synth --kind scanned_pdf --degrade "$quality" --seed $((29000 + k * per)) \
            -n "$n" --out "$DOCS/$k" >/dev/null &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || die 5 "generating the scans failed (python -m govreport.synth)"; done
    touch "$DOCS/.done"
fi
PAGES=$("$PY" -c 'import sys, pathlib, pypdfium2 as p; print(sum(len(p.PdfDocument(str(f))) for f in pathlib.Path(sys.argv[1]).rglob("*.pdf")))' "$DOCS")
say "$PAGES scanned pages in $(find "$DOCS" -name '*.pdf' | wc -l) reports"

# 4. the batch, on the CPU (a recogniser in each worker) and on the GPU (one service per device)
run() {  # name device workers extra-args...
    local name=$1 device=$2 workers=$3; shift 3
    local out=$WORK/out-$name log=$WORK/$name.log
    rm -rf "$out"
    local t0 t1
    t0=$(date +%s.%N)
    timeout "$(cap 150)" "$PY" -m govreport.cli batch "$DOCS" --out "$out" --exclude 'truth.json' --exclude '*.truth.json' --device "$device" \
        --workers "$workers" --no-progress "$@" >"$log" 2>&1
    local rc=$?
    t1=$(date +%s.%N)
    [ $rc -eq 0 ] || [ $rc -eq 10 ] || { tail -n 5 "$log" >&2; die 5 "the $name run failed (exit $rc; $log)"; }
    SECONDS_RUN=$(calc %.3f "$t1 - $t0")
    say "$name: $PAGES pages in $(calc %.1f "$SECONDS_RUN") s = $(calc %.2f "$PAGES / $SECONDS_RUN") pages/s (--device $device --workers $workers; exit $rc)"
}

run cpu cpu "$CORES"
CPU_S=$SECONDS_RUN

nvidia-smi --query-gpu=index,memory.used,utilization.gpu --format=csv,noheader,nounits -lms 500 >"$WORK/smi.csv" 2>/dev/null &
SMI=$!
run gpu "$DEVICE" "$(( CORES > 3 ? CORES - 2 : 1 ))" --recognizer service
kill "$SMI" 2>/dev/null; wait "$SMI" 2>/dev/null

# 5. what the GPU run used and did
grep -E "recognition service on|OCR engine ready" "$WORK/gpu.log" | sed 's/^govreport: [A-Z]*: /gpu_check: /' | sort -u
grep -q "CUDAExecutionProvider" "$WORK/gpu.log" || say "WARNING: the GPU run's log names no CUDAExecutionProvider"
awk -F', *' 'NF >= 3 { if ($2 > mem[$1]) mem[$1] = $2; util[$1] += $3; n[$1]++ }
     END { for (g in mem) printf "gpu_check: GPU %s: peak memory %d MiB, mean utilisation %.0f%% (%d samples)\n", g, mem[g], util[g] / n[g], n[g] }' "$WORK/smi.csv"
say "GPU run $(calc %.1f "$CPU_S / $SECONDS_RUN")x the CPU run's pages/s; logs in $WORK (cpu.log, gpu.log, smi.csv)"
