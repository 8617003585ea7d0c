"""Finding a Chinese font to embed in printed documents and charts.

Order: the KAOPING_CJK_FONT environment variable (a .ttf, .otf or .ttc file), then the
fonts Debian's fonts-noto-cjk package installs, then other common Chinese fonts on
Linux, Windows and macOS, then whatever fontconfig (`fc-match`) offers for Chinese. A
candidate counts only if it really has the glyphs the documents use. In a font
collection (.ttc) the face for the document's script is preferred — the Simplified
Chinese face (SC) for zh-Hans, the default, the Traditional one (TC, then HK) for
zh-Hant — then the other script's, then any face with the glyphs. The glyph probe holds
both scripts' forms of the document words, since a zh-Hant document prints 反饋通知單.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

ENV_FONT = "KAOPING_CJK_FONT"
# The characters every kaoping document needs (title words, village and grade names).
PROBE = "上山村反馈通知单绩效考评公示镇优秀良好合格反饋通知單績效考評鎮優"
INSTALL_HINT = ("找不到打印文件要嵌入的中文字体：请安装 Debian 的 fonts-noto-cjk（apt-get install "
                "fonts-noto-cjk），或用环境变量 KAOPING_CJK_FONT 指定一个含中文字形的 .ttf/.otf/.ttc 文件。")

NOTO = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk")
CANDIDATES = (
    # Debian / Ubuntu: fonts-noto-cjk (recommended; other distributions' paths too), then other CJK fonts
    *((f"{d}/NotoSansCJK-Regular.ttc", f"{d}/NotoSansCJK-Bold.ttc") for d in NOTO),
    *((f"{d}/NotoSerifCJK-Regular.ttc", f"{d}/NotoSerifCJK-Bold.ttc") for d in NOTO),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", None),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", None),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", None),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", None),
    # Windows
    ("C:/Windows/Fonts/msjh.ttc", "C:/Windows/Fonts/msjhbd.ttc"),
    ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msyhbd.ttc"),
    ("C:/Windows/Fonts/mingliu.ttc", None),
    ("C:/Windows/Fonts/simsun.ttc", None),
    # macOS
    ("/System/Library/Fonts/Supplemental/Songti.ttc", None),
    ("/Library/Fonts/Arial Unicode.ttf", None),
)
HANS = r"\bSC\b|Hans|YaHei|SimSun|简"
HANT = r"\bTC\b|Hant|JhengHei|MingLiU|PMingLiU|繁"
PREFERENCE = {"zh-Hans": (HANS, HANT, r"\bHK\b", r""), "zh-Hant": (HANT, r"\bHK\b", HANS, r"")}


class FontNotFound(Exception):
    pass


@dataclass(frozen=True)
class CJKFont:
    path: str
    index: int              # face number inside a .ttc collection (0 for a single font)
    name: str               # the face's full name, e.g. "Noto Sans CJK TC Regular"
    family: str             # the face's family name, e.g. "Noto Sans CJK TC"
    bold_path: Optional[str] = None
    bold_index: int = 0

    def describe(self) -> str:
        bold = f"; bold {self.bold_path}#{self.bold_index}" if self.bold_path else ""
        return f"{self.name} ({self.path}#{self.index}{bold})"


@contextmanager
def _faces(path: str):
    """The faces of a font file (several in a .ttc collection), closed afterwards."""
    from fontTools.ttLib import TTCollection, TTFont
    opened = TTCollection(path, lazy=True) if path.lower().endswith((".ttc", ".otc")) else TTFont(path, lazy=True)
    try:
        yield list(opened.fonts) if isinstance(opened, TTCollection) else [opened]
    finally:
        opened.close()


def _face_ok(face) -> bool:
    try:
        cmap = face.getBestCmap() or {}
    except Exception:  # a damaged or unusual font: not a candidate
        return False
    return all(ord(ch) in cmap for ch in PROBE)


def _name(face, ident: int) -> str:
    try:
        return face["name"].getDebugName(ident) or ""
    except Exception:
        return ""


def _pick_face(path: str, script: str) -> Optional[tuple[int, str, str]]:
    try:
        with _faces(path) as faces:
            named = [(i, _name(f, 4), _name(f, 1)) for i, f in enumerate(faces)]
            # fpdf2 embeds proportional faces best; a monospace face is the last resort
            named.sort(key=lambda g: "Mono" in g[1])
            tried: set[int] = set()
            for pattern in PREFERENCE[script]:    # names first: reading a CJK cmap is slow
                for i, name, family in named:
                    if i not in tried and re.search(pattern, name):
                        tried.add(i)
                        if _face_ok(faces[i]):
                            return i, name, family
    except Exception:  # not a font file fontTools can read: not a candidate
        return None
    return None


def _bold_index(bold_path: str, family: str) -> Optional[int]:
    try:
        with _faces(bold_path) as faces:
            for i, f in enumerate(faces):
                if _name(f, 1) == family and _face_ok(f):
                    return i
    except Exception:
        return None
    return None


def _from_fontconfig() -> list[tuple[str, Optional[str]]]:
    if not shutil.which("fc-match"):
        return []
    found = []
    for pattern in ("sans-serif:lang=zh-cn", "sans-serif:lang=zh-tw", ":lang=zh"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                                 timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if out and (out, None) not in found:
            found.append((out, None))
    return found


@lru_cache(maxsize=2)
def find_cjk_font(script: str = "zh-Hans") -> CJKFont:
    """The font to embed for documents in `script` (zh-Hans or zh-Hant), or FontNotFound
    with what to install."""
    if script not in PREFERENCE:
        raise ValueError(f"unknown script {script!r}")
    candidates: list[tuple[str, Optional[str]]] = []
    env = os.environ.get(ENV_FONT, "").strip()
    if env:
        if not Path(env).is_file():
            raise FontNotFound(f"{ENV_FONT}={env}：没有这个文件，请给出字体文件的完整路径。")
        candidates.append((env, None))
    candidates += [c for c in CANDIDATES if Path(c[0]).is_file()]
    candidates += _from_fontconfig()
    for path, bold in candidates:
        picked = _pick_face(path, script)
        if picked is None:
            if path == env:
                raise FontNotFound(f"{ENV_FONT}={env}：这个字体缺少中文字形（需要 {PROBE}），请换一个中文字体。")
            continue
        index, name, family = picked
        bold_index = _bold_index(bold, family) if bold and Path(bold).is_file() else None
        return CJKFont(path, index, name, family, bold if bold_index is not None else None, bold_index or 0)
    raise FontNotFound(INSTALL_HINT)
