from ninja import Router

router = Router(tags=["台账导入导出"])
