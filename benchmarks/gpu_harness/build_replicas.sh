#!/usr/bin/env bash
# Builds the config-only replicas (random weights are made on the GPU at load time) of every config in
# runner/replica_configs/ for the task named below.   bash benchmarks/gpu_harness/build_replicas.sh OUTDIR [NAME ...]
# (no NAME: all of them)
set -eu
OUT=$1; shift
declare -A TASK=(
  [llama-3.2-1b]=text_generation [llama-3.1-8b]=text_generation [mistral-small-24b]=text_generation
  [distilbert-imdb]=text_classification [bert-base-imdb]=text_classification
  [electra-base-squad2]=extractive_qa [distilbert-squad]=extractive_qa
  [all-minilm-l6-v2]=sentence_similarity [all-mpnet-base-v2]=sentence_similarity
  [vit-base-patch16-224]=image_classification [resnet-50]=image_classification
  [detr-resnet-50]=object_detection [detr-resnet-101]=object_detection
  [distilbart-cnn-12-6]=summarization [distilbart-cnn-6-6]=summarization [whisper-tiny]=asr
  [blip2-opt-2.7b]=image_captioning [tiny-sd]=image_generation
)
declare -A ID=(
  [llama-3.2-1b]=meta-llama/Llama-3.2-1B [llama-3.1-8b]=meta-llama/Llama-3.1-8B [mistral-small-24b]=mistralai/Mistral-Small-24B-Base-2501
  [distilbert-imdb]=lvwerra/distilbert-imdb [bert-base-imdb]=textattack/bert-base-uncased-imdb
  [electra-base-squad2]=deepset/electra-base-squad2 [distilbert-squad]=distilbert/distilbert-base-cased-distilled-squad
  [all-minilm-l6-v2]=sentence-transformers/all-MiniLM-L6-v2 [all-mpnet-base-v2]=sentence-transformers/all-mpnet-base-v2
  [vit-base-patch16-224]=google/vit-base-patch16-224 [resnet-50]=microsoft/resnet-50
  [detr-resnet-50]=facebook/detr-resnet-50 [detr-resnet-101]=facebook/detr-resnet-101
  [distilbart-cnn-12-6]=sshleifer/distilbart-cnn-12-6 [distilbart-cnn-6-6]=sshleifer/distilbart-cnn-6-6 [whisper-tiny]=openai/whisper-tiny
  [blip2-opt-2.7b]=Salesforce/blip2-opt-2.7b [tiny-sd]=segmind/tiny-sd
)
NAMES=("$@"); [[ ${#NAMES[@]} -eq 0 ]] && NAMES=("${!TASK[@]}")
for name in "${NAMES[@]}"; do
  python3 -m runner replica --config "runner/replica_configs/$name.json" --out "$OUT/$name" --task "${TASK[$name]}" \
    --model-id "${ID[$name]}-replica" --no-weights
done
