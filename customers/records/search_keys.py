"""Search keys for Chinese names: full pinyin and initials (张伟 → "zhangwei", "zw")."""

from pypinyin import Style, lazy_pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    syllables = [s.lower() for s in lazy_pinyin(name or "", errors="ignore") if s.strip()]
    initials = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="ignore")
    full = "".join(syllables).replace(" ", "")
    short = "".join(i.lower() for i in initials if i.strip())
    return full[:400], short[:100]
