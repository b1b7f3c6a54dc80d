"""Draw a :class:`Look` as one SVG document framed at the requested size, ready for a rasteriser."""

from __future__ import annotations

import copy
from xml.etree import ElementTree as ET

import python_avatars as pa

from avatar_creator.providers.offline import backdrops, details, garments, palette
from avatar_creator.providers.offline.look import Look
from avatar_creator.providers.offline.vocabulary import PLAIN, TRANSPARENT

_SVG = "http://www.w3.org/2000/svg"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_SHAPES = {f"{{{_SVG}}}{tag}" for tag in ("path", "circle", "rect", "ellipse", "polygon")}

# python_avatars draws a 264×280 figure whose shoulders end at y=280. A square frame of FRAME units, bottom-aligned
# and centred on the head, leaves room above tall hair and hats.
FIGURE_BOTTOM, HEAD_CENTRE_X = 280, 132
FRAME = 300
_BROWN_BROWS = "#3B2219"  # under dyed hair
_MIN_FRAME_WIDTH = 190  # portrait frames narrower than this would cut the face: they pad above instead


def compose(look: Look, width: int, height: int) -> str:
    """The avatar as SVG, ``width`` × ``height`` pixels: a square portrait, cropped at the sides or padded above
    (portrait sizes) or padded at the sides (landscape sizes) with the background colour."""
    figure = ET.fromstring(_figure_svg(look))
    _masks_to_clip_paths(figure)
    _tint_eyebrows(figure, look.hair_colour)
    if look.eye_colour:
        _colour_irises(figure, look.eye_colour)
    _dress(figure, look)
    x, y, frame_width, frame_height = frame(width, height)
    root = ET.Element(f"{{{_SVG}}}svg", {"width": str(width), "height": str(height),
                                         "viewBox": f"{x:g} {y:g} {frame_width:g} {frame_height:g}"})
    if look.setting == PLAIN:
        ET.SubElement(root, f"{{{_SVG}}}rect", {"x": f"{x:g}", "y": f"{y:g}", "width": f"{frame_width:g}",
                                                "height": f"{frame_height:g}", "fill": look.background})
        ET.SubElement(root, f"{{{_SVG}}}circle", {"cx": str(HEAD_CENTRE_X), "cy": "150", "r": "118",
                                                  "fill": palette.mix(look.background, "#FFFFFF", 0.35)})
    elif look.setting != TRANSPARENT:
        root.extend(backdrops.draw(look.setting, (x, y, frame_width, frame_height)))
    root.extend(child for child in figure if not child.tag.endswith(("title", "desc")))
    return ET.tostring(root, encoding="unicode")


def _dress(figure: ET.Element, look: Look) -> None:
    """Our garment over python_avatars' clothing layer, details over the face, accessories over the hair."""
    layers = {element.get("id", "").rpartition("_")[2]: element for element in figure.iter()}
    body = next(parent for parent in figure.iter() if layers["Clothing"] in list(parent))
    if look.garment in garments.RECOLOURED:
        garments.recolour(layers["Clothing"], look.garment, look.clothing_colour)
    elif look.garment:
        part = garments.part(look.garment, look.clothing_colour, look.inner_colour)
        part.set("transform", layers["Clothing"].get("transform", ""))
        body.insert(list(body).index(layers["Clothing"]) + 1, part)
    if look.freckles:
        body.insert(list(body).index(layers["Face"]) + 1, details.freckles(look.skin))
    body.extend([details.earrings(look.earrings)] if look.earrings else [])
    body.extend([details.headphones(look.headphones)] if look.headphones else [])
    body.extend([details.cap(look.headwear_colour)] if look.cap else [])


def frame(width: int, height: int) -> tuple[float, float, float, float]:
    """The viewBox (x, y, width, height) in figure units that shows the avatar at ``width`` × ``height``."""
    aspect = width / height
    frame_width: float
    frame_height: float
    if aspect >= 1:
        frame_width, frame_height = FRAME * aspect, FRAME
    else:
        frame_width = max(FRAME * aspect, _MIN_FRAME_WIDTH)
        frame_height = frame_width / aspect
    return HEAD_CENTRE_X - frame_width / 2, FIGURE_BOTTOM - frame_height, frame_width, frame_height


def to_pixel(x: float, y: float, width: int, height: int) -> tuple[int, int]:
    """Where the figure point (``x``, ``y``) lands in a ``width`` × ``height`` render."""
    left, top, frame_width, frame_height = frame(width, height)
    return int((x - left) * width / frame_width), int((y - top) * height / frame_height)


def _figure_svg(look: Look) -> str:
    # A recoloured blazer or suit takes the asked colour; python_avatars' fabric colour is then the shirt or the tie.
    fabric = {"blazer": look.inner_colour, "suit": garments.TIE}.get(look.garment or "", look.clothing_colour)
    return pa.Avatar(
        style=pa.AvatarStyle.TRANSPARENT, top=look.top, hat_color=look.headwear_colour, eyebrows=look.eyebrows,
        eyes=look.eyes, nose=pa.NoseType.DEFAULT, mouth=look.mouth, facial_hair=look.facial_hair,
        skin_color=look.skin, hair_color=look.hair_colour, facial_hair_color=look.hair_colour,
        accessory=look.glasses, clothing=look.clothing, clothing_color=fabric,
        shirt_graphic=look.shirt_graphic,
    ).render()


def _masks_to_clip_paths(figure: ET.Element) -> None:
    """Turn the parts' white shape masks into clip paths: the same picture, drawn without an offscreen surface.

    CairoSVG paints every mask through a full-size temporary surface (most of a 1024² render) and misplaces part
    of some of them; a clip path is one cairo_clip call.
    """
    shapes = {element.get("id"): element for element in figure.iter() if element.tag in _SHAPES}
    converted = set()
    for parent in list(figure.iter()):
        for index, mask in enumerate(list(parent)):
            if mask.tag != f"{{{_SVG}}}mask":
                continue
            mask_id = mask.get("id")
            outline = [_shape_of(child, shapes) for child in mask]
            drawn = [shape for shape in outline if shape is not None]
            if mask_id is None or not outline or len(drawn) < len(outline):  # a child does more than draw a shape
                continue
            clip = ET.Element(f"{{{_SVG}}}clipPath", {"id": mask_id})
            clip.extend(drawn)
            parent[index] = clip
            converted.add(mask_id)
    for element in figure.iter():
        target = element.get("mask", "")[5:-1]  # url(#id)
        if target in converted:
            del element.attrib["mask"]
            element.set("clip-path", f"url(#{target})")


def _shape_of(child: ET.Element, shapes: dict[str | None, ET.Element]) -> ET.Element | None:
    """The plain shape a mask child draws, or None when it does more than draw a white shape."""
    if child.tag == f"{{{_SVG}}}use" and set(child.attrib) <= {_XLINK_HREF, "fill"}:
        used = shapes.get(child.get(_XLINK_HREF, "")[1:])
        if used is None:
            return None
        child = used
    if child.tag not in _SHAPES or "transform" in child.attrib or "opacity" in child.attrib:
        return None
    shape = copy.deepcopy(child)
    shape.attrib.pop("id", None)
    return shape


def _colour_irises(figure: ET.Element, eye_colour: str) -> None:
    """Give the plain round eyes an iris of ``eye_colour``, a pupil and a catch light."""
    for group in list(figure.iter()):
        for index, eye in reversed(list(enumerate(group))):
            if not (eye.tag == f"{{{_SVG}}}circle" and eye.get("id", "").endswith("_Eye")):
                continue
            cx, cy = float(eye.attrib["cx"]), float(eye.attrib["cy"])
            iris = {"cx": f"{cx:g}", "cy": f"{cy:g}", "r": "6.5", "fill": eye_colour, "fill-opacity": "1"}
            pupil = {"cx": f"{cx:g}", "cy": f"{cy:g}", "r": "3.2", "fill": "#1B1512", "fill-opacity": "1"}
            light = {"cx": f"{cx + 2:g}", "cy": f"{cy - 2.2:g}", "r": "1.6", "fill": "#FFFFFF", "fill-opacity": "0.9"}
            group[index:index + 1] = [ET.Element(f"{{{_SVG}}}circle", attributes)
                                      for attributes in (iris, pupil, light)]


def _tint_eyebrows(figure: ET.Element, hair_colour: str) -> None:
    """Eyebrows in a darker shade of the hair, opaque enough to show on every skin (python_avatars: 60% black)."""
    colour = _BROWN_BROWS if hair_colour in palette.FANTASY_HAIR else palette.mix(hair_colour, "#000000", 0.35)
    brows = next(element for element in figure.iter() if element.get("id", "").endswith("_Eyebrow"))
    for element in brows.iter():
        if element.get("fill") == "#000000":
            element.set("fill", colour)
        if "fill-opacity" in element.attrib:
            element.set("fill-opacity", "0.85")
