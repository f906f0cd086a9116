"""Domain errors: every app's errors subclass ApplicationError and carry a stable code the API returns."""


class ApplicationError(Exception):
    code = "application_error"
    status = 400

    def __init__(self, detail: str = "", *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
