#!/usr/bin/env bash
# Every preset recipe in saved_models/manifest.json, one `aezoo train` each.
# Usage: scripts/train_presets.sh [PRESET ...]   (no argument: all of them)
# Each run resumes from runs/<preset>/ if it was interrupted; measured metrics
# are written to saved_models/<preset>/card.md and saved_models/manifest.json.
set -euo pipefail
export TF_CPP_MIN_LOG_LEVEL=3
AEZOO=${AEZOO:-aezoo}

declare -A RECIPES=(
  [ae_mlp_mnist]="ae --backbone mlp --data mnist5k --latent-dim 16 --epochs 30 --batch-size 64 --learning-rate 0.001 --lr-schedule cosine --seed 0"
  [ae_conv_mnist]="ae --backbone conv --data mnist5k --latent-dim 16 --epochs 40 --batch-size 64 --learning-rate 0.002 --lr-schedule cosine --seed 0 --option filters=(32,64)"
  [vae_mlp_mnist]="vae --backbone mlp --data mnist5k --latent-dim 16 --epochs 60 --batch-size 64 --learning-rate 0.001 --lr-schedule cosine --kl-warmup 10 --binarize --seed 0"
  [vae_conv_mnist]="vae --backbone conv --data mnist5k --latent-dim 32 --epochs 40 --batch-size 64 --learning-rate 0.001 --lr-schedule cosine --kl-warmup 10 --binarize --seed 0 --option filters=(32,64)"
  [sparse_ae_mlp_mnist]="sparse_ae --backbone mlp --data mnist5k --latent-dim 64 --epochs 30 --batch-size 64 --learning-rate 0.001 --lr-schedule cosine --seed 0 --option sparsity=l1 --option sparsity_weight=0.01"
  [denoising_ae_conv_mnist]="denoising_ae --backbone conv --data mnist5k --latent-dim 32 --epochs 30 --batch-size 64 --learning-rate 0.002 --lr-schedule cosine --seed 0 --option filters=(32,64) --option corruption=gaussian --option noise_level=0.3"
  [contractive_ae_mlp_mnist]="contractive_ae --backbone mlp --data mnist5k --latent-dim 16 --epochs 20 --batch-size 64 --learning-rate 0.001 --lr-schedule cosine --seed 0 --option hidden_units=(256,) --option contractive_weight=0.01"
  [vq_vae_conv_mnist]="vq_vae --backbone conv --data mnist5k --latent-dim 16 --epochs 30 --batch-size 64 --learning-rate 0.002 --lr-schedule cosine --codebook-restarts --prior-epochs 30 --prior transformer --prior-option prior_filters=64 --prior-option prior_layers=3 --seed 0 --option filters=(32,64) --option num_embeddings=64"
  [ldm_conv_mnist]="ae --backbone conv --data mnist5k --latent-dim 16 --epochs 40 --batch-size 64 --learning-rate 0.002 --lr-schedule cosine --prior diffusion --prior-epochs 300 --seed 0 --option filters=(32,64)"
  [ae_conv_ecg]="ae --backbone conv --data ecg_mitdb --train-option stride=1 --latent-dim 16 --epochs 20 --batch-size 64 --learning-rate 0.001 --seed 0 --option filters=(16,32)"
  [ae_recurrent_ecg]="ae --backbone recurrent --data ecg_mitdb --train-option stride=4 --latent-dim 16 --epochs 100 --batch-size 32 --learning-rate 0.01 --lr-schedule cosine --clipnorm 1 --seed 0 --option units=32 --option cell=gru"
  [mnist_classifier]="classifier --data mnist5k --epochs 15 --batch-size 64 --learning-rate 0.001 --lr-schedule cosine --seed 0"
)
ORDER=(mnist_classifier ae_mlp_mnist ae_conv_mnist vae_mlp_mnist vae_conv_mnist
       vq_vae_conv_mnist ldm_conv_mnist denoising_ae_conv_mnist sparse_ae_mlp_mnist contractive_ae_mlp_mnist
       ae_conv_ecg ae_recurrent_ecg)

for preset in "${@:-${ORDER[@]}}"; do
  if [[ -z "${RECIPES[$preset]+x}" ]]; then
    echo "unknown preset: $preset (known: ${ORDER[*]})" >&2; exit 2
  fi
  echo "== $preset"
  # shellcheck disable=SC2086
  $AEZOO train ${RECIPES[$preset]} --run-dir "runs/$preset" --preset "$preset"
done
