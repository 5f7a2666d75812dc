"""A contact sheet: generated pictures beside some of their questions and answers, so a
reader sees the data at a glance (`nesy data clevr --contact-sheet FILE`), or a trained
model's answers beside the true ones (`nesy eval clevr --model DIR --data DIR --sheet FILE`)."""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

TEXT_WIDTH = 330
LINE = 15


def contact_sheet(folder: Path, path: Path, scenes: int = 6, per_scene: int = 5, scale: float = 0.75,
                  predicted: dict | None = None) -> None:
    """Write to `path` a PNG of the first `scenes` pictures of `folder` (what `nesy data
    clevr` wrote), each beside its first `per_scene` questions, family and answer; with
    `predicted` (question_index -> answer), the predicted answer beside the true one, green
    where they agree and red where not."""
    import json

    from PIL import Image, ImageDraw, ImageFont

    from nesy.files import atomic_write

    data = json.loads((folder / "scenes.json").read_text(encoding="utf-8"))["scenes"][:scenes]
    questions = json.loads((folder / "questions.json").read_text(encoding="utf-8"))["questions"]
    font = ImageFont.load_default(size=12)
    tiles = []
    for scene in data:
        picture = Image.open(folder / "images" / scene["image_filename"]).convert("RGB")
        picture = picture.resize((int(picture.width * scale), int(picture.height * scale)))
        asked = [q for q in questions if q["image_index"] == scene["image_index"]][:per_scene]
        tile = Image.new("RGB", (picture.width + TEXT_WIDTH, picture.height), "white")
        tile.paste(picture, (0, 0))
        pen = ImageDraw.Draw(tile)
        y = 4
        for q in asked:
            lines = textwrap.wrap(q["question"], 50)
            if y + (len(lines) + 1) * LINE > tile.height:
                break  # only whole questions
            for line in lines:
                pen.text((picture.width + 6, y), line, fill=(20, 20, 20), font=font)
                y += LINE
            family = q["template_filename"].removesuffix(".json")
            if predicted is None:
                pen.text((picture.width + 6, y), f"-> {q['answer']}   [{family}]", fill=(30, 90, 170), font=font)
            else:
                guess = predicted.get(q["question_index"])
                pen.text((picture.width + 6, y), f"-> {guess} (true: {q['answer']})   [{family}]",
                         fill=(20, 140, 40) if guess == q["answer"] else (200, 30, 30), font=font)
            y += LINE + 4
        tiles.append(tile)
    columns = 2
    width = max(t.width for t in tiles)
    height = max(t.height for t in tiles)
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * width + (columns - 1) * 4, rows * height + (rows - 1) * 4), (90, 90, 90))
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % columns) * (width + 4), (i // columns) * (height + 4)))
    buffer = io.BytesIO()
    sheet.quantize(colors=256).save(buffer, format="PNG", optimize=True)
    atomic_write(path, lambda f: f.write(buffer.getvalue()))
