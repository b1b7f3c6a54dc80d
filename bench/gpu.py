"""Time the diffusers provider against a bare FluxPipeline call on a random-weight FLUX.1-schnell-shaped model.

On CUDA the model has the real FLUX.1-schnell architecture at full size (12B transformer, T5-XXL, CLIP-L, the 16-channel
VAE) in bfloat16. Without a GPU it uses a reduced config of the same architecture (fewer, narrower layers) and says so:
the overhead measured then is an upper bound, since the fixed costs weigh more against a small model.

The model is built with random weights, saved to a temporary folder and loaded by ``DiffusersProvider`` through the
same code a real model folder goes through. The bare call is the loaded FluxPipeline itself with the same arguments,
so both sides share weights, memory and warm caches; runs alternate between them after one warm-up each.

    python bench/gpu.py [--runs N] [--size PIXELS] [--steps N]

Prints the numbers and writes bench/results/gpu.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's package, not an installed one

import diffusers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers  # noqa: E402

from avatar_creator.providers.base import GenerationRequest  # noqa: E402
from avatar_creator.providers.diffusers import DiffusersProvider, pick_device, pick_dtype  # noqa: E402
from avatar_creator.providers.images import encode_png  # noqa: E402

# FLUX.1-schnell's component configs (black-forest-labs/FLUX.1-schnell, model_index.json and each config.json).
FULL = {
    "transformer": {
        "patch_size": 1, "in_channels": 64, "num_layers": 19, "num_single_layers": 38, "attention_head_dim": 128,
        "num_attention_heads": 24, "joint_attention_dim": 4096, "pooled_projection_dim": 768,
        "guidance_embeds": False, "axes_dims_rope": (16, 56, 56),
    },
    "vae": {
        "block_out_channels": (128, 256, 512, 512), "layers_per_block": 2, "latent_channels": 16,
        "norm_num_groups": 32, "scaling_factor": 0.3611, "shift_factor": 0.1159,
        "use_quant_conv": False, "use_post_quant_conv": False, "sample_size": 1024,
    },
    "clip": {
        "vocab_size": 49408, "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
        "num_attention_heads": 12, "projection_dim": 768, "hidden_act": "quick_gelu",
    },
    "t5": {
        "vocab_size": 32128, "d_model": 4096, "d_ff": 10240, "d_kv": 64, "num_heads": 64, "num_layers": 24,
        "feed_forward_proj": "gated-gelu", "relative_attention_num_buckets": 32,
        "relative_attention_max_distance": 128, "tie_word_embeddings": False,
    },
}
# The same architecture, small enough for a CPU: 16 latent channels, 8× VAE, both text encoders, double- and
# single-stream blocks, all kept; widths and depths cut.
REDUCED = {
    "transformer": {
        **FULL["transformer"], "num_layers": 2, "num_single_layers": 4, "attention_head_dim": 64,
        "num_attention_heads": 4, "joint_attention_dim": 256, "pooled_projection_dim": 128,
        "axes_dims_rope": (8, 28, 28),
    },
    "vae": {**FULL["vae"], "block_out_channels": (32, 64, 64, 64), "layers_per_block": 1},
    "clip": {
        **FULL["clip"], "vocab_size": 1000, "hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 2,
        "num_attention_heads": 4, "projection_dim": 128,
    },
    "t5": {**FULL["t5"], "vocab_size": 1000, "d_model": 256, "d_ff": 512, "num_heads": 4, "num_layers": 2},
}
PROMPT = "a portrait photo of a smiling astronaut, studio lighting, 85mm"


def clip_tokenizer(folder: Path) -> transformers.CLIPTokenizer:
    """A CLIP BPE tokenizer over single byte characters (no merges): real ids, no downloaded vocab."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for character in bytes_to_unicode().values():
        vocab.setdefault(character, len(vocab))
        vocab.setdefault(f"{character}</w>", len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return transformers.CLIPTokenizer(
        vocab_file=str(folder / "vocab.json"), merges_file=str(folder / "merges.txt"), model_max_length=77
    )


def t5_tokenizer() -> transformers.T5TokenizerFast:
    """A sentencepiece-style unigram tokenizer over printable characters, shaped like T5's."""
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    pieces += [(character, -1.0) for character in "▁" + string.ascii_letters + string.digits + string.punctuation]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=2))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    return transformers.T5TokenizerFast(
        tokenizer_object=tokenizer, eos_token="</s>", pad_token="<pad>", unk_token="<unk>", extra_ids=0,
        model_max_length=512,
    )


def save_random_flux(config: dict, folder: Path, device: str, dtype: torch.dtype) -> None:
    """Build a FluxPipeline with random weights straight on ``device`` in ``dtype`` and save it to ``folder``."""
    torch.manual_seed(0)
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # create the weights in their final precision: no fp32 copy of 12B parameters
    try:
        with torch.device(device):
            pipeline = diffusers.FluxPipeline(
                transformer=diffusers.FluxTransformer2DModel(**config["transformer"]),
                vae=diffusers.AutoencoderKL(
                    down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                    **config["vae"],
                ),
                text_encoder=transformers.CLIPTextModel(
                    transformers.CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, **config["clip"])
                ),
                tokenizer=clip_tokenizer(folder),
                text_encoder_2=transformers.T5EncoderModel(transformers.T5Config(**config["t5"])),
                tokenizer_2=t5_tokenizer(),
                scheduler=diffusers.FlowMatchEulerDiscreteScheduler(shift=1.0, use_dynamic_shifting=False),
            )
    finally:
        torch.set_default_dtype(default_dtype)
    pipeline.save_pretrained(folder / "model")
    del pipeline
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def timed(call) -> float:
    start = time.perf_counter()
    call()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    device = pick_device(torch, "auto")
    full = device == "cuda"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=1024 if full else 256)
    parser.add_argument("--steps", type=int, default=4)
    options = parser.parse_args()
    dtype = pick_dtype(torch, device)
    config_name = "full FLUX.1-schnell architecture" if full else "REDUCED config (no GPU here: not the real size)"
    print(f"device {device} ({torch.cuda.get_device_name() if full else platform.processor() or 'cpu'}), "
          f"{dtype}, {config_name}")

    with tempfile.TemporaryDirectory(prefix="flux-bench-") as temporary:
        folder = Path(temporary)
        build_s = timed(lambda: save_random_flux(FULL if full else REDUCED, folder, device, dtype))
        provider = DiffusersProvider(model_path=folder / "model", device=device, steps=options.steps, guidance=0.0)
        load_s = timed(provider.load)
        pipeline = provider.load().text_to_image
        parameters = sum(p.numel() for p in pipeline.transformer.parameters())
        print(f"built and saved in {build_s:.1f} s, loaded in {load_s:.1f} s; "
              f"transformer {parameters / 1e9:.3f} B parameters ({type(pipeline).__name__})")

        request = GenerationRequest(
            prompt=PROMPT, negative_prompt="", user_prompt=PROMPT, width=options.size, height=options.size, seed=42
        )

        def bare():
            return pipeline(
                prompt=PROMPT, width=options.size, height=options.size, num_inference_steps=options.steps,
                guidance_scale=0.0, generator=torch.Generator(device=device).manual_seed(42),
            ).images[0]

        def through_provider() -> None:
            provider.generate(request, on_progress=lambda fraction: None, should_cancel=lambda: False)

        image = bare()
        through_provider()  # warm-up: kernels, allocator, caches
        bare_s, provider_s, png_s = [], [], []
        for run in range(options.runs):
            bare_s.append(timed(bare))
            provider_s.append(timed(through_provider))
            png_s.append(timed(lambda: encode_png(image, options.size, options.size)))
            print(f"run {run + 1}/{options.runs}: bare {bare_s[-1]:.3f} s, provider {provider_s[-1]:.3f} s "
                  f"(of which PNG encoding {png_s[-1] * 1000:.0f} ms)")

    bare_median, provider_median = statistics.median(bare_s), statistics.median(provider_s)
    overhead = 100 * (provider_median - bare_median) / bare_median
    print(f"median: bare {bare_median:.3f} s, provider {provider_median:.3f} s; overhead {overhead:+.1f} % "
          f"(target <= 5 %), PNG encoding {statistics.median(png_s) * 1000:.0f} ms"
          f"{'' if full else ' - reduced config on CPU'}")
    results = {
        "device": device,
        "device_name": torch.cuda.get_device_name() if full else platform.processor() or "cpu",
        "config": "full" if full else "reduced",
        "dtype": str(dtype),
        "size": options.size,
        "steps": options.steps,
        "runs": options.runs,
        "transformer_parameters": parameters,
        "build_s": build_s,
        "load_s": load_s,
        "bare_s": bare_s,
        "provider_s": provider_s,
        "bare_median_s": bare_median,
        "provider_median_s": provider_median,
        "png_encode_s": png_s,
        "overhead_pct": overhead,
        "target_pct": 5.0,
        "versions": {"torch": torch.__version__, "diffusers": diffusers.__version__,
                     "transformers": transformers.__version__},
    }
    out = REPO / "bench" / "results" / "gpu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
