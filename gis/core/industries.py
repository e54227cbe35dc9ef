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
    "chế biến nông sản": "agricultural processing",
    "công nghiệp hỗ trợ hàng không": "aviation support industry",
    "công nghệ thông tin": "information technology",
    "cơ khí chính xác": "precision engineering",
    "dây và cáp điện": "electrical wires and cables",
    "dược phẩm": "pharmaceuticals",
    "giày da": "footwear and leather",
    "linh kiện điện tử": "electronic components",
    "logistics thông minh": "smart logistics",
    "lắp ráp điện tử": "electronics assembly",
    "may mặc": "garments",
    "nhiên liệu": "fuels",
    "nội thất": "furniture",
    "thiết bị bán dẫn, chip": "semiconductor equipment and chips",
    "trung tâm dữ liệu": "data centres",
    "điện": "electricity",
    "điện tử": "electronics",
}


def search_terms(text: str) -> list[str]:
    """Folded terms an industry query matches: itself, and each industry whose English
    label contains it (in Vietnamese, as the clusters store it)."""
    query = fold(text)
    terms = [query]
    terms += [fold(vi) for vi, en in ENGLISH.items() if query and query in fold(en)]
    return list(dict.fromkeys(terms))
