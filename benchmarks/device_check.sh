#!/usr/bin/env bash
# One prepared run for a session that is lent a GPU (the `device` tool): it installs
# nothing (the device image has jax[cuda], flax, optax and torch), checks the numbers, and
# prints the ratio tables for benchmarks/RESULTS.md. Budget: well under 10 minutes.
#   run(command="bash benchmarks/device_check.sh", timeout_s=540)
# Results also land in $OUT (lstm-gpu.json, *.txt) when the tool sets it.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-out/device}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python -c "import jax, flax, optax; print('jax', jax.__version__, jax.devices())" | tee -a "$OUT/gpu.txt"
# 1. correctness on the device: flaxscope's LSTM equals hand-written JAX (the benchmark
#    prints the loss of each implementation on the same params), then the three configs
#    of issue #7 side by side with cuDNN (torch), hand-written JAX and flax.
python benchmarks/lstm.py --iters 30 --warmup 5 --json "$OUT/lstm-gpu.json" 2>&1 | tee "$OUT/lstm.txt"
# 2. unrolling: hand-written JAX and flaxscope at unroll 1..16 and
#    full (T <= 64), cuDNN beside them; prints flaxscope's best and default against the
#    best hand-written variant and cuDNN, and the unroll to put in DEFAULT_UNROLL.
python benchmarks/lstm_sweep.py --impls jax fs --iters 20 --warmup 3 --json "$OUT/lstm-sweep.json" 2>&1 | tee "$OUT/lstm-sweep.txt"
# 3. sharded LM on the devices there are (one GPU: the 1-device row).
python benchmarks/scaling.py --devices 1 --reps 20 2>&1 | tee "$OUT/scaling.txt"
# 4. the per-backend choices no GPU has measured yet: the input projection hoisted or in the
#    loop (HOIST_INPUT_PROJECTION) and the embedding fold (FOLD_EMBEDDING_PROJECTION, off
#    on GPU until this says otherwise), against hand-written JAX in one round robin.
python benchmarks/lstm.py --iters 20 --warmup 3 --impls flaxscope flaxscope-fold flaxscope-nofold flaxscope-hoisted flaxscope-inloop jax 2>&1 | tee "$OUT/lstm-choices.txt"
# 5. convolutions: on GPU flaxscope's depthwise convolution stays the grouped one (cuDNN),
#    so flaxscope / grouped should be about 1 (no TensorFlow on the device: no tf1 column).
python benchmarks/depthwise.py --rounds 3 --iters 5 --configs 32x56x56x64 64x28x28x128 32x112x112x32x2 2>&1 | tee "$OUT/depthwise.txt"
