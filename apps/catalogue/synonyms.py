"""Abbreviations, colloquial words and English words residents type, mapped to catalogue wording.

Keys and values are written as residents and the catalogue write them; both are normalised the same way
(see search.normalize) when the module loads, so katakana/hiragana and width variants need no entries.
"""

from __future__ import annotations

from .textnorm import normalize

_RAW: dict[str, list[str]] = {
    # moving
    "引っ越し": ["転入", "転出", "転居"],
    "引越し": ["転入", "転出", "転居"],
    "引越": ["転入", "転出", "転居"],
    "ひっこし": ["転入", "転出", "転居"],
    "ひっこす": ["転入", "転出", "転居"],
    "引っ越す": ["転入", "転出", "転居"],
    "転勤": ["転入", "転出"],
    "住所変更": ["転居", "住所変更"],
    "moving": ["転入", "転出", "転居"],
    "move": ["転入", "転出", "転居"],
    "moving in": ["転入"],
    "move in": ["転入"],
    "moving out": ["転出"],
    "move out": ["転出"],
    # certificates
    "住民票": ["住民票の写し"],
    "印鑑証明": ["印鑑登録証明書"],
    "印鑑": ["印鑑登録"],
    "はんこ": ["印鑑登録"],
    "実印": ["印鑑登録"],
    "戸籍謄本": ["戸籍全部事項証明書"],
    "戸籍抄本": ["戸籍個人事項証明書"],
    "謄本": ["戸籍全部事項証明書"],
    "抄本": ["戸籍個人事項証明書"],
    "所得証明": ["所得証明書", "課税証明書"],
    "課税証明": ["課税証明書", "所得証明書"],
    "非課税証明": ["非課税証明書"],
    "納税証明": ["納税証明書"],
    "コンビニ": ["コンビニ交付"],
    "resident certificate": ["住民票の写し"],
    "residence certificate": ["住民票の写し"],
    "certificate of residence": ["住民票の写し"],
    "seal": ["印鑑登録"],
    "family register": ["戸籍"],
    "koseki": ["戸籍"],
    "income certificate": ["所得証明書"],
    "tax certificate": ["課税証明書", "所得証明書"],
    # insurance and pension
    "国保": ["国民健康保険"],
    "こくほ": ["国民健康保険"],  # abbreviations typed in kana have no reading in the catalogue to match
    "こくみんほけん": ["国民健康保険"],
    "けんこうほけん": ["国民健康保険"],
    "こうきこうれい": ["後期高齢者医療"],
    "国民保険": ["国民健康保険"],
    "健康保険": ["国民健康保険"],
    "後期高齢": ["後期高齢者医療"],
    "年金": ["国民年金"],
    "health insurance": ["国民健康保険"],
    "pension": ["国民年金"],
    "やめる": ["脱退", "喪失", "廃止", "中止"],
    "辞める": ["脱退", "喪失", "廃止", "中止"],
    "入る": ["加入", "取得"],
    "はいる": ["加入", "取得"],
    # children
    "児手": ["児童手当"],
    "じて": ["児童手当"],
    "子ども手当": ["児童手当"],
    "子供手当": ["児童手当"],
    "子供": ["子ども"],
    "こども": ["子ども"],
    "子ども医療": ["子ども医療費助成"],
    "保育園": ["保育所", "保育施設"],
    "学童": ["放課後児童クラブ"],
    "母子手帳": ["母子健康手帳", "妊娠届"],
    "赤ちゃん": ["出生", "出産"],
    "child allowance": ["児童手当"],
    "nursery": ["保育所"],
    "daycare": ["保育所"],
    "birth": ["出生", "出産"],
    "baby": ["出生", "出産"],
    "pregnancy": ["妊娠"],
    # family events
    "結婚": ["婚姻"],
    "入籍": ["婚姻"],
    "marriage": ["婚姻"],
    "divorce": ["離婚"],
    "亡くなった": ["死亡", "葬祭"],
    "死んだ": ["死亡"],
    "death": ["死亡"],
    "お葬式": ["葬祭", "火葬"],
    "葬式": ["葬祭", "火葬"],
    # My Number
    "マイナ": ["マイナンバーカード"],
    "マイナカード": ["マイナンバーカード"],
    "マイナンバー": ["マイナンバーカード"],
    "個人番号カード": ["マイナンバーカード"],
    "my number": ["マイナンバーカード"],
    "暗証番号": ["暗証番号"],
    # tax
    "住民税": ["市民税", "県民税", "市県民税"],
    "市県民税": ["市民税", "県民税", "市県民税"],
    "軽自動車": ["軽自動車税"],
    "バイク": ["軽自動車税", "原動機付自転車"],
    "原付": ["原動機付自転車", "軽自動車税"],
    "固定資産": ["固定資産税"],
    "tax": ["税"],
    # garbage and pets
    "粗大": ["粗大ごみ"],
    "そだい": ["粗大ごみ"],
    "大型ごみ": ["粗大ごみ"],
    "ゴミ": ["ごみ"],
    "bulky": ["粗大ごみ"],
    "garbage": ["ごみ"],
    "trash": ["ごみ"],
    "rubbish": ["ごみ"],
    "いぬ": ["犬"],
    "ワンちゃん": ["犬"],
    "狂犬病": ["狂犬病予防注射"],
    "dog": ["犬"],
    "cat": ["猫"],
    "pet": ["犬", "猫"],
    # care, health, housing, facilities
    "介護認定": ["要介護認定"],
    "ケアマネ": ["介護"],
    "nursing care": ["介護"],
    "健康診断": ["健診", "健康診査"],
    "健診": ["健康診査", "健診"],
    "がん検診": ["がん検診"],
    "予防注射": ["予防接種"],
    "ワクチン": ["予防接種"],
    "vaccination": ["予防接種"],
    "市営": ["市営住宅"],
    "公営住宅": ["市営住宅"],
    "housing": ["住宅"],
    "体育館": ["体育館"],
    "施設予約": ["施設予約", "施設の予約"],
    "水道": ["水道"],
    "water": ["水道"],
    "障害者手帳": ["障害者手帳", "身体障害者手帳"],
    "障害": ["障がい", "障害"],
    "選挙": ["投票"],
    "vote": ["投票"],
}


def _build() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for key, values in _RAW.items():
        merged = table.setdefault(normalize(key), [])
        for value in values:
            if normalize(value) not in merged:
                merged.append(normalize(value))
    return table


SYNONYMS: dict[str, list[str]] = _build()


# What residents call each life event (besides its own Japanese and English names): a query that is one of
# these words names the life event, and that life event's main procedures come first (search.py).
LIFE_EVENT_WORDS: dict[str, list[str]] = {
    "moving": ["引っ越し", "引越", "ひっこし", "引っ越す", "ひっこす", "引っ越しの手続き", "moving", "move"],
    "birth": ["出生", "出産", "赤ちゃん", "生まれた", "birth", "baby"],
    "marriage": ["結婚", "入籍", "婚姻", "marriage", "wedding"],
    "death": ["死亡", "亡くなった", "おくやみ", "お悔やみ", "death"],
    "childcare": ["子育て", "育児", "childcare"],
    "nursing-care": ["介護", "nursing care"],
    "employment": ["就職", "退職", "転職", "失業", "job"],
    "pets": ["ペット", "pet", "pets"],
    "garbage": ["ごみ", "ゴミ", "garbage", "trash", "rubbish"],
    "tax": ["税", "税金", "tax", "taxes"],
    "housing": ["住まい", "住宅", "housing"],
    "health": ["健康", "health"],
    "facility-booking": ["施設予約", "施設の予約", "facility booking"],
}
