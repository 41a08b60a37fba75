"""Tiny model configs (one per task) for the CPU dry-run tests: same architectures as the
reference models, shrunk so each builds and runs in well under a second."""

from __future__ import annotations

from typing import Any

_BERT = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64, "vocab_size": 256, "max_position_embeddings": 128}
_RESNET = {"model_type": "resnet", "embedding_size": 8, "hidden_sizes": [8, 16, 16, 32], "depths": [1, 1, 1, 1], "layer_type": "basic"}

TINY: dict[str, dict[str, Any]] = {
    "text_generation": {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                        "num_key_value_heads": 1, "vocab_size": 256, "max_position_embeddings": 512, "bos_token_id": 2, "eos_token_id": 3,
                        "tie_word_embeddings": False},
    "summarization": {"model_type": "bart", "d_model": 32, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 2,
                      "decoder_attention_heads": 2, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64, "vocab_size": 256, "max_position_embeddings": 256,
                      "decoder_start_token_id": 3, "bos_token_id": 2, "eos_token_id": 3, "pad_token_id": 0},
    "extractive_qa": {"model_type": "electra", "embedding_size": 32, **_BERT},
    "text_classification": {"model_type": "distilbert", "dim": 32, "hidden_dim": 64, "n_layers": 2, "n_heads": 2, "vocab_size": 256,
                            "max_position_embeddings": 128, "num_labels": 2},
    "sentence_similarity": {"model_type": "bert", **_BERT},
    "image_classification": {"model_type": "vit", "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
                             "image_size": 32, "patch_size": 8, "num_labels": 10},
    "object_detection": {"model_type": "detr", "d_model": 32, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 2,
                         "decoder_attention_heads": 2, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64, "num_queries": 5, "num_labels": 3,
                         "use_timm_backbone": False, "use_pretrained_backbone": False, "backbone_config": {**_RESNET, "out_features": ["stage4"]}},
    "asr": {"model_type": "whisper", "d_model": 32, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 2,
            "decoder_attention_heads": 2, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64, "vocab_size": 256, "num_mel_bins": 80,
            "max_source_positions": 1500, "max_target_positions": 128, "decoder_start_token_id": 1, "bos_token_id": 2, "eos_token_id": 3,
            "pad_token_id": 0},
    "image_captioning": {"model_type": "blip-2", "num_query_tokens": 4,
                         "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
                                           "image_size": 32, "patch_size": 8},
                         "qformer_config": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
                                            "encoder_hidden_size": 32, "vocab_size": 256},
                         "text_config": {"model_type": "opt", "hidden_size": 32, "ffn_dim": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
                                         "vocab_size": 256, "max_position_embeddings": 256, "word_embed_proj_dim": 32,
                                         "bos_token_id": 2, "eos_token_id": 3, "pad_token_id": 0}},
    "image_generation": {
        "_class_name": "StableDiffusionPipeline",
        "unet": {"_class_name": "UNet2DConditionModel", "sample_size": 8, "in_channels": 4, "out_channels": 4, "layers_per_block": 1,
                 "block_out_channels": [8, 16], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                 "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "cross_attention_dim": 16, "attention_head_dim": 2, "norm_num_groups": 4},
        "vae": {"_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3, "latent_channels": 4, "block_out_channels": [8, 8],
                "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"], "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"],
                "layers_per_block": 1, "norm_num_groups": 4, "sample_size": 16},
        "text_encoder": {"_class_name": "CLIPTextModel", "model_type": "clip_text_model", "hidden_size": 16, "intermediate_size": 32,
                         "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 1000, "max_position_embeddings": 77},
        "scheduler": {"_class_name": "PNDMScheduler", "skip_prk_steps": True, "steps_offset": 1},
    },
}
# Reasoning allows up to 8,192 new tokens: EOS is token 0 and the test zeroes the LM head, so greedy
# decoding ends after the one token min_new_tokens forces, and positions leave room for the prompt.
TINY["reasoning"] = {**TINY["text_generation"], "eos_token_id": 0, "pad_token_id": 0, "max_position_embeddings": 8192 + 512}
