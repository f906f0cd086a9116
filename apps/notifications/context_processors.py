from . import selectors


def unread(request):
    """The unread count for the header: one query, only for signed-in visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": selectors.unread_count(user=user)}
