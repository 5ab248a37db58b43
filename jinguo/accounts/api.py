from ninja import Router

from jinguo.core.context import AuthedHttpRequest

from .schemas import MeOut

router = Router(tags=["账户"])


@router.get("/me/", response=MeOut, summary="当前用户")
def me(request: AuthedHttpRequest) -> dict:
    user = request.auth
    memberships = user.active_memberships()
    perms = sorted({p.value for m in memberships for p in m.perms})
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "memberships": [
            {
                "unit_id": m.unit_id,
                "unit_name": m.unit.name,
                "role": m.role,
                "role_label": m.get_role_display(),
                "can_manage_users": m.can_manage_users,
            }
            for m in memberships
        ],
        "permissions": perms,
    }
