#!/bin/bash
# Final recipe (B3_stem3): fit on the full FordA TRAIN set, 40 epochs, no early stopping, one TEST evaluation per seed.
cd "$(dirname "$0")"
export SKTRANSFORMER_DATA="${SKTRANSFORMER_DATA:-$(cd ../../.. && pwd)/shared/data}"
export TF_CPP_MIN_LOG_LEVEL=3
mkdir -p logs
CFG='{"epochs":40,"aug_shift":1.0,"aug_flip":0.5,"aug_neg":0.5,"stem_filters":[32,64,128],"stem_pool":1}'
for s in 0 1 2; do
  uptime
  nice -n 19 python run.py test final_stem3 "$CFG" $s > logs/final_seed$s.log 2>&1; echo rc=$?; tail -1 logs/final_seed$s.log
done
