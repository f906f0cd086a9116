"""Text of an uploaded CSV as Japanese residents and offices produce it."""


def decode_japanese_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932/Shift_JIS as Excel writes it in Japan, decided from the bytes.

    Raises UnicodeDecodeError for anything else (UTF-16, a binary file): the caller words the error.
    """
    if b"\x00" in data:  # UTF-16 or a binary file (an image, a zip)
        raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "NUL byte: not a UTF-8 or CP932 text file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp932")
