"""Object identifiers of the JPKI signature certificate (公的個人認証サービス 署名用電子証明書)."""

BASIC_INFO_ARC = "1.2.392.200149.8.5.5"
BASIC_INFO_OIDS = {
    "name": f"{BASIC_INFO_ARC}.1",
    "name_alt": f"{BASIC_INFO_ARC}.2",  # substitute-character form (代替文字) of the name
    "gender": f"{BASIC_INFO_ARC}.3",
    "birth": f"{BASIC_INFO_ARC}.4",
    "address": f"{BASIC_INFO_ARC}.5",
    "address_alt": f"{BASIC_INFO_ARC}.6",
}
SIGNATURE_CERT_POLICY = "1.2.392.200149.8.5.1.1.20"
