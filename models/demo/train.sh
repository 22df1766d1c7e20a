#!/usr/bin/env bash
# Reproduces the demo model from scratch: a synthetic shapes dataset, SSDLite-MobileNetV2 trained on it
# with ./ssdstream train (no pretrained weights), then fine-tuned on a mix of still scenes and frames of
# the synthetic camera's moving scenes (objects cut by the frame's edge and hidden by others, which still
# scenes never show), evaluated on held-out sets made with other seeds, and stored in float16 as
# models/demo/demo.ssdm. Objects span 0.15-0.45 of the image's short side (the synthetic camera's
# defaults): SSDLite's smallest default box is 60 px of its 300 px input.
#   models/demo/train.sh [work-dir]      (default: artifacts/demo-training)
# About an hour and a half on 2 CPU cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-$root/artifacts/demo-training}"
ssd="$root/ssdstream"
mkdir -p "$work"

[ -f "$work/data/train/annotations.json" ] || "$ssd" dataset synth --out "$work/data" --images 1280 --seed 1 --val-fraction 0.1 --min-size 0.15 --max-size 0.45
[ -f "$work/heldout/val/annotations.json" ] || "$ssd" dataset synth --out "$work/heldout" --images 300 --seed 2 --val-fraction 1 --min-size 0.15 --max-size 0.45
[ -f "$work/video-data/train/annotations.json" ] || "$ssd" dataset synth --out "$work/video-data" --images 1280 --seed 3 --val-fraction 0.1 --min-size 0.15 --max-size 0.45 --moving-fraction 0.5
[ -f "$work/heldout-video/val/annotations.json" ] || "$ssd" dataset synth --out "$work/heldout-video" --images 300 --seed 4 --val-fraction 1 --min-size 0.15 --max-size 0.45 --moving-fraction 1

resume=()
[ -f "$work/run/last.ckpt" ] && resume=(--resume)
"$ssd" train --arch ssdlite-mobilenetv2 \
  --data "$work/data/train/annotations.json" --val-data "$work/data/val/annotations.json" \
  --out "$work/run" --epochs 20 --batch 16 --lr 0.04 --milestones 14,18 --warmup 200 \
  --workers 2 --eval-every 4 --seed 1 "${resume[@]}"

# Stage 2 starts from stage 1's best in float16, as the demo model shipped before it was.
[ -f "$work/stage1.ssdm" ] || "$ssd" model convert "$work/run/best.ssdm" --out "$work/stage1.ssdm" --half
resume=()
[ -f "$work/finetune/last.ckpt" ] && resume=(--resume)
"$ssd" train --arch ssdlite-mobilenetv2 --from "$work/stage1.ssdm" \
  --data "$work/video-data/train/annotations.json" --val-data "$work/video-data/val/annotations.json" \
  --out "$work/finetune" --epochs 10 --batch 16 --lr 0.01 --milestones 7,9 --warmup 100 \
  --workers 2 --eval-every 2 --seed 1 "${resume[@]}"

"$ssd" model convert "$work/finetune/best.ssdm" --out "$root/models/demo/demo.ssdm" --half
"$ssd" eval --model "$root/models/demo/demo.ssdm" --data "$work/heldout/val/annotations.json" --json "$work/heldout-eval.json"
"$ssd" eval --model "$root/models/demo/demo.ssdm" --data "$work/heldout-video/val/annotations.json" --json "$work/heldout-video-eval.json"
