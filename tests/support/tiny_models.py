"""A tiny random-weight Stable Diffusion pipeline, built and saved by the diffusers tests (the `local` extra)."""

from __future__ import annotations

import json

import pytest


def save_tiny_stable_diffusion(folder) -> None:
    """A random-weight Stable Diffusion pipeline a few hundred kilobytes big, with a hand-written byte-level vocab."""
    torch = pytest.importorskip("torch", reason="the [local] extra (torch) is not installed")
    diffusers = pytest.importorskip("diffusers", reason="the [local] extra (diffusers) is not installed")
    transformers = pytest.importorskip("transformers", reason="the [local] extra (transformers) is not installed")
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    torch.manual_seed(0)
    unet = diffusers.UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=8,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16,
        attention_head_dim=4,
        norm_num_groups=4,
    )
    vae = diffusers.AutoencoderKL(
        block_out_channels=(8, 16),
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=4,
    )
    text_encoder = transformers.CLIPTextModel(
        transformers.CLIPTextConfig(
            vocab_size=600,
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    )
    # CLIP's BPE works on byte characters, whole words ending in "</w>": with every byte in both forms and no
    # merges, any prompt tokenizes character by character.
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for character in bytes_to_unicode().values():
        vocab.setdefault(character, len(vocab))
        vocab.setdefault(f"{character}</w>", len(vocab))
    vocab_file, merges_file = folder / "vocab.json", folder / "merges.txt"
    folder.mkdir(parents=True, exist_ok=True)
    vocab_file.write_text(json.dumps(vocab))
    merges_file.write_text("#version: 0.2\n")
    tokenizer = transformers.CLIPTokenizer(vocab_file=str(vocab_file), merges_file=str(merges_file),
                                           model_max_length=77)
    pipeline = diffusers.StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=diffusers.DDIMScheduler(clip_sample=False, steps_offset=1),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder / "model")
