"""The demo district 示范区: fictitious, modelled on DOMAIN.md §1 (7 streets with 38 communities
between them, 3 towns with villages, enterprise committees; federations in most units)."""

from __future__ import annotations

import datetime as dt

from .models import Unit, UnitKind

DISTRICT_CODE = "339901000000"

STREETS: list[tuple[str, list[str]]] = [
    ("城东街道", ["东湖社区", "梅园社区", "朝晖社区", "新塘社区", "东园社区", "景华社区"]),
    ("城西街道", ["西溪社区", "桂花社区", "文锦社区", "翠苑社区", "古荡社区", "西园社区"]),
    ("城南街道", ["南星社区", "水澄社区", "复兴社区", "秋涛社区", "江城社区"]),
    ("城北街道", ["北山社区", "和睦社区", "大关社区", "德胜社区", "北园社区"]),
    ("中山街道", ["中山社区", "清泰社区", "湖滨社区", "学士社区", "仁和社区", "惠兴社区"]),
    ("新华街道", ["新华社区", "光明社区", "建设社区", "前进社区", "团结社区"]),
    ("和平街道", ["和平社区", "安居社区", "幸福社区", "友谊社区", "长乐社区"]),
]

TOWNS: list[tuple[str, str, list[str], set[str]]] = [
    ("青山镇", "town", ["青山村", "石桥村", "杨家村", "李家村", "茶园村", "竹林村", "溪口村", "上塘村"], {"溪口村"}),
    ("白水镇", "town", ["白水村", "下洋村", "陈家村", "枫树村", "双溪村", "龙潭村", "南岙村"], {"龙潭村"}),
    ("桃源乡", "town", ["桃源村", "口头庄村", "张家村", "柳树村", "山前村", "后湾村"], {"后湾村"}),
]

ENTERPRISES: list[tuple[str, str, bool]] = [
    ("示范区人民医院妇委会", UnitKind.ENTERPRISE, True),
    ("示范区教育局女职委", UnitKind.ENTERPRISE, True),
    ("东方纺织有限公司妇委会", UnitKind.NEW_ORG, True),
    ("新世纪电子科技有限公司妇委会", UnitKind.NEW_ORG, True),
    ("阳光家政服务中心妇委会", UnitKind.NEW_ORG, False),
]

SINCE = dt.date(2012, 3, 8)


def build_demo_district() -> tuple[Unit, bool]:
    """Build the tree once; returns (district, created)."""
    existing = Unit.objects.filter(division_code=DISTRICT_CODE).first()
    if existing is not None:
        return existing, False
    district = Unit.objects.add_root(
        create_kwargs=dict(
            name="示范区",
            kind=UnitKind.DISTRICT,
            division_code=DISTRICT_CODE,
            federation_established=True,
            federation_since=dt.date(1990, 3, 8),
            address="示范区人民路1号",
            phone="0571-80000000",
        )
    )
    for i, (street_name, communities) in enumerate(STREETS, start=1):
        street = Unit.objects.add_child(
            district,
            create_kwargs=dict(
                name=street_name,
                kind=UnitKind.STREET,
                division_code=f"339901{i:03d}000",
                federation_established=True,
                federation_since=SINCE,
            ),
        )
        for j, community in enumerate(communities, start=1):
            Unit.objects.add_child(
                street,
                create_kwargs=dict(
                    name=community,
                    kind=UnitKind.COMMUNITY,
                    division_code=f"339901{i:03d}{j:03d}",
                    federation_established=True,
                    federation_since=SINCE,
                ),
            )
    for i, (town_name, _kind, villages, without) in enumerate(TOWNS, start=1):
        town = Unit.objects.add_child(
            district,
            create_kwargs=dict(
                name=town_name,
                kind=UnitKind.TOWN,
                division_code=f"339901{100 + i:03d}000",
                federation_established=True,
                federation_since=SINCE,
            ),
        )
        for j, village in enumerate(villages, start=1):
            est = village not in without
            Unit.objects.add_child(
                town,
                create_kwargs=dict(
                    name=village,
                    kind=UnitKind.VILLAGE,
                    division_code=f"339901{100 + i:03d}{200 + j:03d}",
                    federation_established=est,
                    federation_since=SINCE if est else None,
                ),
            )
    for name, kind, est in ENTERPRISES:
        Unit.objects.add_child(
            district,
            create_kwargs=dict(
                name=name, kind=kind, federation_established=est, federation_since=SINCE if est else None
            ),
        )
    return district, True
