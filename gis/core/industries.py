"""Industries: stored in Vietnamese as the sources name them, with an English label each.

The industry filter finds a cluster by either name ("textiles" finds "dệt may"), and the
English map suggests the English labels.
"""

from __future__ import annotations

from gis.text import fold

# The English label of each industry the data names (data/clusters.geojson). An industry
# without one is offered and searched in Vietnamese only.
ENGLISH = {
    "vật liệu xây dựng": "building materials",
    "chế biến nông sản, thực phẩm": "agricultural and food processing",
    "công nghệ cao": "high technology",
    "dệt may": "textiles and garments",
    "chế biến hạt điều (ưu tiên)": "cashew processing (priority)",
    "công nghiệp sạch, ít gây ô nhiễm": "clean, low-pollution industry",
    "cơ khí": "mechanical engineering",
    "hóa chất": "chemicals",
    "nhựa": "plastics",
    "thủy tinh": "glass",
    "công nghiệp hỗ trợ": "support industry",
    "gốm sứ": "ceramics",
    "công nghiệp sạch": "clean industry",
    "điện – điện tử": "electrical and electronics",
    "sản xuất ô tô": "car manufacturing",
    "ô tô": "cars",
}


def search_terms(text: str) -> list[str]:
    """Folded terms an industry query matches: itself, and each industry whose English
    label contains it (in Vietnamese, as the clusters store it)."""
    query = fold(text)
    terms = [query]
    terms += [fold(vi) for vi, en in ENGLISH.items() if query and query in fold(en)]
    return list(dict.fromkeys(terms))
