"""The demo catalogue: what a Japanese EC seller's warehouse holds, as plain data.

Brands are invented. A `Family` is one product line; every combination of its options is
one SKU (so a T-shirt in 4 colours and 4 sizes is 16 SKUs), named
``f"{brand} {template.format(*options)}"``. `app.demo.plan` turns this into products, codes,
lots and stock from a seed.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.stock.models import Tracking


@dataclass(frozen=True)
class Category:
    """How the products of a category are tracked, stored and stocked."""

    key: str
    sku_prefix: str
    zone: str | None
    tracking: Tracking = Tracking.NONE
    min_shelf_life_days: tuple[int, ...] = (0,)
    stock_range: tuple[int, int] = (10, 100)
    safety_range: tuple[int, int] = (5, 20)
    reorder_gap_range: tuple[int, int] = (10, 40)
    case_share: float = 0.0


@dataclass(frozen=True)
class Family:
    key: str
    category: str
    brand: str
    template: str
    options: tuple[tuple[str, ...], ...] = ()
    case_packs: tuple[int, ...] = (6, 12, 24)
    short_code: bool = False
    upc: bool = False


@dataclass(frozen=True)
class Kit:
    """A set (セット品) of components, each picked from a family: (family key, quantity)."""

    brand: str
    name: str
    components: tuple[tuple[str, int], ...]


CATEGORIES: dict[str, Category] = {c.key: c for c in (
    Category("tea", "TEA", "A", Tracking.LOT_EXPIRY, (45, 60, 60, 90), (24, 240), (6, 24), (12, 48), 0.45),
    Category("coffee", "COF", "A", Tracking.LOT_EXPIRY, (45, 60, 90), (24, 240), (6, 24), (12, 48), 0.4),
    Category("curry", "CUR", "A", Tracking.LOT_EXPIRY, (60, 90, 90), (30, 300), (12, 36), (24, 72), 0.6),
    Category("seasoning", "SEA", "A", Tracking.LOT_EXPIRY, (60, 90), (12, 144), (6, 18), (12, 36), 0.5),
    Category("grocery", "GRO", "A", Tracking.LOT_EXPIRY, (30, 30, 45, 60), (12, 180), (6, 18), (12, 36), 0.35),
    Category("skincare", "SKN", "B", Tracking.LOT_EXPIRY, (90, 90, 180), (12, 96), (4, 12), (8, 30), 0.2),
    Category("suncare", "SUN", "B", Tracking.LOT_EXPIRY, (60, 90), (12, 120), (6, 18), (12, 36), 0.25),
    Category("haircare", "HAI", "B", Tracking.LOT, (0,), (12, 96), (4, 12), (8, 30), 0.3),
    Category("household", "DLY", "B", Tracking.NONE, (0,), (10, 160), (5, 20), (10, 40), 0.3),
    Category("detergent", "DET", "B", Tracking.LOT, (0,), (12, 120), (6, 18), (12, 36), 0.4),
    Category("apparel", "APP", "C", Tracking.NONE, (0,), (3, 30), (2, 5), (3, 10)),
    Category("gadget", "ELC", "C", Tracking.SERIAL, (0,), (3, 8), (2, 4), (2, 6)),
    Category("accessory", "ACC", "C", Tracking.NONE, (0,), (5, 60), (3, 10), (5, 20), 0.15),
    Category("set", "SET", None),
)}

SPICE = ("甘口", "中辛", "辛口")
ADULT_SIZES = ("S", "M", "L", "XL")
KIDS_SIZES = ("100", "110", "120", "130")

FAMILIES: tuple[Family, ...] = (
    # tea
    Family("tea_bag", "tea", "やまと園", "国産{0} ティーバッグ {1}",
           (("煎茶", "ほうじ茶", "玄米茶", "抹茶入り玄米茶", "和紅茶"), ("2g×50袋", "2g×100袋"))),
    Family("tea_leaf", "tea", "やまと園", "静岡県産 深蒸し煎茶 {0} {1}", (("上", "特上"), ("100g", "200g"))),
    Family("barley_tea", "tea", "茶寮みどり", "水出し麦茶 {0} {1}", (("六条大麦", "ブレンド"), ("10g×52袋", "8g×30袋"))),
    Family("bottled_tea", "tea", "茶寮みどり", "お茶 {0} {1}", (("緑茶", "濃いめ緑茶", "ジャスミン茶"), ("500mL×24本", "2L×6本")),
           case_packs=()),
    Family("rooibos", "tea", "茶寮みどり", "ルイボスティー {0} 2.5g×40袋", (("オーガニック", "ノンカフェイン ブレンド"),)),
    Family("matcha", "tea", "やまと園", "{0}", (("粉末緑茶 スティック 0.5g×100本", "粉末緑茶 スティック 0.5g×30本",
                                              "宇治抹茶 パウダー 40g"),)),
    Family("herb_tea", "tea", "茶寮みどり", "{0} ティーバッグ 20袋", (("カモミール", "ペパーミント", "ごぼう茶", "黒豆茶", "そば茶"),)),
    # coffee
    Family("drip_bag", "coffee", "里山珈琲", "ドリップバッグ {0} {1}",
           (("オリジナルブレンド", "モカブレンド", "キリマンジャロ", "コロンビア", "グアテマラ", "深煎りブレンド",
             "カフェインレス"), ("10g×20袋", "10g×50袋"))),
    Family("ground_coffee", "coffee", "里山珈琲", "レギュラーコーヒー 粉 {0} {1}",
           (("マイルドブレンド", "リッチブレンド", "スペシャルブレンド"), ("200g", "500g"))),
    Family("coffee_beans", "coffee", "MORNING ROAST", "コーヒー豆 {0} {1}",
           (("エチオピア", "ブラジル", "マンデリン", "ハウスブレンド"), ("200g", "1kg"))),
    Family("instant_coffee", "coffee", "MORNING ROAST", "インスタントコーヒー {0} {1}",
           (("香り焙煎", "まろやか"), ("瓶 80g", "詰替用 150g"))),
    Family("cafe_au_lait", "coffee", "里山珈琲", "スティック カフェオレ {0} 30本入",
           (("甘さひかえめ", "微糖", "カフェインレス", "抹茶ラテ"),)),
    Family("iced_coffee", "coffee", "MORNING ROAST", "アイスコーヒー {0} 1L×{1}",
           (("無糖", "低糖", "深煎り無糖"), ("6本", "12本")), case_packs=()),
    # ready-to-eat curry
    Family("curry", "curry", "ひかり食品", "{0}カレー {1} 180g",
           (("ビーフ", "チキン", "ポーク", "キーマ", "バターチキン", "野菜たっぷり"), SPICE)),
    Family("premium_curry", "curry", "かまくら厨房", "{0} {1} 200g",
           (("黒毛和牛カレー", "欧風ビーフカレー", "グリーンカレー", "海老カレー"), SPICE)),
    Family("hayashi", "curry", "かまくら厨房", "{0} 200g", (("ハヤシビーフ", "ハッシュドビーフ", "デミグラスハンバーグ"),)),
    # seasonings
    Family("soy_sauce", "seasoning", "丸大醸造", "{0} {1}",
           (("本醸造 こいくち醤油", "減塩しょうゆ", "丸大豆しょうゆ"), ("500mL", "1L"))),
    Family("special_soy", "seasoning", "丸大醸造", "{0}", (("だし醤油 500mL", "白醤油 300mL", "再仕込み醤油 300mL"),)),
    Family("miso", "seasoning", "みやこ味噌", "{0}",
           (("米こうじ味噌 750g", "白味噌 500g", "減塩 合わせ味噌 650g", "赤だし味噌 500g", "麦味噌 750g",
             "だし入り 生味噌 750g"),)),
    Family("mirin", "seasoning", "丸大醸造", "{0} {1}", (("本みりん", "料理酒"), ("500mL", "1L"))),
    Family("vinegar", "seasoning", "丸大醸造", "{0}", (("純米酢 500mL", "黒酢 500mL", "ゆずポン酢 360mL", "すし酢 360mL"),)),
    Family("tsuyu", "seasoning", "ひかり食品", "{0} {1}", (("濃縮めんつゆ 3倍", "白だし"), ("500mL", "1L"))),
    Family("dashi", "seasoning", "ひかり食品", "{0}",
           (("和風だし 顆粒 100g", "和風だし 顆粒 8g×40袋", "かつおだしパック 8g×30袋", "昆布だしパック 10g×20袋"),)),
    Family("oil_sauce", "seasoning", "ひかり食品", "{0}",
           (("純正ごま油 150g", "純正ごま油 340g", "焼肉のたれ 中辛 400g", "焼肉のたれ 甘口 400g",
             "中濃ソース 500mL", "ウスターソース 500mL", "マヨネーズ 450g"),)),
    # rice, noodles, snacks, tins
    Family("rice", "grocery", "田園ファーム", "{0} {1}",
           (("新潟県産 コシヒカリ 無洗米", "北海道産 ゆめぴりか", "発芽玄米"), ("2kg", "5kg")), case_packs=()),
    Family("pack_rice", "grocery", "田園ファーム", "パックごはん {0} 200g×{1}", (("国産米", "大盛り"), ("3食", "10食"))),
    Family("noodles", "grocery", "さぬき製麺", "{0}",
           (("讃岐うどん 乾麺 250g", "讃岐うどん 乾麺 1kg", "十割そば 200g", "手延べそうめん 300g",
             "稲庭風うどん 400g", "パスタ 1.6mm 500g"),)),
    Family("rice_cracker", "grocery", "米菓庵", "{0} {1}",
           (("醤油せんべい", "ざらめせんべい", "柿の種", "ぬれおかき"), ("12枚入", "ファミリーパック"))),
    Family("sweets", "grocery", "和菓子処 もみじ", "{0}",
           (("ミニ羊羹 5本入", "黒糖かりんとう 180g", "抹茶クッキー 12枚", "むき甘栗 70g×3袋",
             "どら焼き 5個入", "芋けんぴ 200g"),)),
    Family("nuts", "grocery", "田園ファーム", "{0}", (("素焼き ミックスナッツ 500g", "アーモンド 食塩不使用 250g",
                                                    "くるみ 200g", "ドライマンゴー 100g"),)),
    Family("canned", "grocery", "海の幸本舗", "{0} {1}", (("さば水煮缶", "さば味噌煮缶", "いわし蒲焼缶", "ツナ缶 油漬け"),
                                                     ("190g", "190g×3缶"))),
    Family("soup", "grocery", "ひかり食品", "{0}",
           (("フリーズドライ 味噌汁 10食", "フリーズドライ 豚汁 5食", "お吸い物 8袋", "コーンポタージュ 8袋",
             "中華スープ 10袋", "わかめスープ 10袋"),)),
    Family("rice_topping", "grocery", "海の幸本舗", "{0}",
           (("ふりかけ 鮭 30g", "ふりかけ たまご 30g", "お茶漬けのもと 8袋", "焼きのり 全形10枚", "味付けのり 8切80枚"),)),
    # cosmetics, hair and body care
    Family("lotion", "skincare", "うるおい堂", "化粧水 {0} {1}",
           (("しっとり", "さっぱり", "とてもしっとり", "薬用美白"), ("200mL", "詰替用 180mL"))),
    Family("lotion_sora", "skincare", "SORA BEAUTY", "ハトムギ配合 化粧水 {0} {1}", (("しっとり", "さっぱり"), ("500mL", "200mL"))),
    Family("emulsion", "skincare", "うるおい堂", "乳液 {0} 130mL", (("しっとり", "さっぱり", "とてもしっとり"),)),
    Family("serum", "skincare", "肌ごころ", "{0}美容液 30mL", (("ビタミンC", "ヒアルロン酸", "レチノール", "セラミド"),)),
    Family("all_in_one", "skincare", "肌ごころ", "オールインワンジェル {0} {1}", (("保湿", "エイジングケア"), ("90g", "詰替用 80g"))),
    Family("cleansing", "skincare", "SORA BEAUTY", "{0}",
           (("クレンジングオイル 150mL", "クレンジングオイル 詰替用 140mL", "洗顔フォーム 泡立ち 120g",
             "洗顔フォーム 薬用ニキビケア 120g", "拭き取りシート 46枚"),)),
    Family("hand_lip", "skincare", "うるおい堂", "{0}",
           (("ハンドクリーム 無香料 50g", "ハンドクリーム ゆず 50g", "ハンドクリーム さくら 50g",
             "薬用リップクリーム 無香料", "薬用リップクリーム はちみつ"),), short_code=True),
    Family("face_mask", "skincare", "肌ごころ", "シートマスク {0} {1}", (("保湿", "美白", "毛穴ケア"), ("7枚入", "32枚入"))),
    Family("base_makeup", "skincare", "SORA BEAUTY", "{0}",
           (("BBクリーム SPF30 ライトベージュ 30g", "BBクリーム SPF30 ナチュラルベージュ 30g",
             "BBクリーム SPF30 オークル 30g", "クッションファンデ 01 明るい肌色 本体", "クッションファンデ 01 明るい肌色 レフィル",
             "クッションファンデ 02 自然な肌色 本体", "クッションファンデ 02 自然な肌色 レフィル",
             "クッションファンデ 03 健康的な肌色 本体", "クッションファンデ 03 健康的な肌色 レフィル"),)),
    Family("body_care", "skincare", "うるおい堂", "{0}",
           (("ボディミルク 無香料 250mL", "ボディミルク ホワイトフローラル 250mL", "ボディスクラブ 200g", "ベビーローション 150mL"),)),
    Family("sunscreen", "suncare", "SORA BEAUTY", "{0}",
           (("UVジェル SPF50+ PA++++ 80g", "UVミルク SPF50+ PA++++ 40mL", "UVスプレー SPF50+ PA++++ 90g",
             "トーンアップUV ラベンダー SPF50+ PA++++ 30g", "トーンアップUV ミント SPF50+ PA++++ 30g",
             "ウォータープルーフ UVエッセンス 50g"),)),
    Family("sunscreen_mild", "suncare", "肌ごころ", "{0}",
           (("敏感肌用 UVミルク SPF30 PA+++ 60mL", "こども用 UVミルク SPF30 PA+++ 60mL",
             "ノンケミカル UVクリーム SPF35 PA+++ 50g", "UVスティック SPF50+ PA++++ 15g"),)),
    Family("sunscreen_daily", "suncare", "うるおい堂", "毎日のUV {0} SPF50+ PA++++ {1}", (("ジェル", "ミルク"), ("50g", "ポンプ 150g"))),
    Family("shampoo", "haircare", "ボタニカ工房", "{0} {1}",
           (("シャンプー モイスト", "シャンプー スムース", "シャンプー スカルプ", "コンディショナー モイスト",
             "コンディショナー スムース"), ("本体 480mL", "詰替用 400mL"))),
    Family("body_soap", "haircare", "ボタニカ工房", "ボディソープ {0} {1}", (("せっけんの香り", "ボタニカル"), ("本体 500mL", "詰替用 400mL"))),
    Family("hair_oil", "haircare", "肌ごころ", "{0}", (("ヘアオイル 椿 60mL", "ヘアミルク 100mL", "ヘアミスト 寝ぐせ直し 250mL"),)),
    Family("hair_color", "haircare", "ボタニカ工房", "白髪染め クリームタイプ {0}",
           (("ライトブラウン", "ナチュラルブラウン", "ダークブラウン", "ナチュラルブラック"),)),
    # daily goods and detergents
    Family("tissue", "household", "くらしの森", "{0}",
           (("ボックスティッシュ 150組×5箱", "ボックスティッシュ 200組×5箱", "保湿ティッシュ 200組×3箱",
             "トイレットペーパー シングル 12ロール", "トイレットペーパー ダブル 12ロール",
             "トイレットペーパー 2倍巻き ダブル 6ロール", "キッチンペーパー 4ロール"),), case_packs=()),
    Family("toothbrush", "household", "ホームライフ", "歯ブラシ {0} {1}", (("ふつう", "やわらかめ", "かため"), ("1本", "3本組")),
           short_code=True),
    Family("toothpaste", "household", "ホームライフ", "薬用歯みがき {0} 120g", (("ホワイトニング", "知覚過敏ケア", "こども用 いちご"),)),
    Family("kitchen", "household", "くらしの森", "{0}",
           (("食品用ラップ 22cm×50m", "食品用ラップ 30cm×50m", "アルミホイル 25cm×8m", "キッチンスポンジ 5個入",
             "ポリ袋 Mサイズ 100枚", "ゴミ袋 45L 50枚", "ゴミ袋 70L 20枚", "ゴミ袋 30L 50枚",
             "フリーザーバッグ M 30枚", "フリーザーバッグ L 20枚"),)),
    Family("hygiene", "household", "ホームライフ", "{0}",
           (("不織布マスク ふつう 50枚", "不織布マスク 小さめ 50枚", "立体マスク 30枚", "綿棒 200本",
             "アルコール除菌 ウェットティッシュ 40枚×3", "ノンアルコール ウェットティッシュ 60枚×3",
             "除菌スプレー 本体 400mL", "除菌スプレー 詰替用 350mL"),)),
    Family("battery", "household", "PLUGA", "アルカリ乾電池 {0} {1}", (("単3形", "単4形"), ("4本パック", "10本パック"))),
    Family("laundry_goods", "household", "くらしの森", "{0}",
           (("洗濯ネット 3枚組", "ハンガー 10本組", "洗濯ばさみ 20個", "ピンチハンガー 32ピンチ"),)),
    Family("bath", "household", "ホームライフ", "{0}",
           (("入浴剤 ゆずの香り 30包", "入浴剤 ひのきの香り 30包", "入浴剤 詰め合わせ 24包", "今治 バスタオル ホワイト",
             "今治 フェイスタオル 2枚組"),)),
    Family("dish_soap", "detergent", "清流", "食器用洗剤 {0} {1}",
           (("オレンジ", "無香料"), ("本体 240mL", "詰替用 400mL", "詰替用 特大 1,100mL"))),
    Family("laundry", "detergent", "清流", "洗濯洗剤 液体 {0} {1}",
           (("部屋干し", "抗菌プラス"), ("本体 850g", "詰替用 720g", "詰替用 超特大 1,500g"))),
    Family("softener", "detergent", "清流", "柔軟剤 {0} {1}", (("フローラル", "せっけん", "無香料"), ("本体 540mL", "詰替用 480mL"))),
    Family("hand_soap", "detergent", "清流", "薬用ハンドソープ {0} {1}", (("泡", "液体"), ("本体 250mL", "詰替用 200mL"))),
    Family("cleaner", "detergent", "清流", "{0} {1}",
           (("お風呂用洗剤", "トイレ用洗剤", "キッチン用 泡スプレー", "カビ取りスプレー"), ("本体", "詰替用"))),
    # apparel: colours × sizes, one SKU each
    Family("crew_tee", "apparel", "NUNO BASICS", "綿100% クルーネックTシャツ {0} {1}",
           (("ホワイト", "ブラック", "ネイビー", "グレー", "ベージュ"), ADULT_SIZES)),
    Family("dry_tee", "apparel", "NUNO BASICS", "ドライメッシュ Tシャツ {0} {1}", (("ホワイト", "ブラック", "ネイビー"), ADULT_SIZES)),
    Family("hoodie", "apparel", "NUNO BASICS", "スウェット プルオーバーパーカー {0} {1}", (("グレー", "ブラック", "ネイビー"), ADULT_SIZES)),
    Family("chino", "apparel", "NUNO BASICS", "ストレッチ チノパンツ {0} {1}", (("ベージュ", "ネイビー", "ブラック"), ADULT_SIZES)),
    Family("linen_shirt", "apparel", "ぬのや", "リネン混 長袖シャツ {0} {1}", (("ホワイト", "サックス", "ネイビー"), ("S", "M", "L"))),
    Family("cardigan", "apparel", "ぬのや", "UVカット 薄手カーディガン {0} {1}", (("ブラック", "ベージュ", "ネイビー"), ("S", "M", "L"))),
    Family("socks", "apparel", "ぬのや", "リブソックス 3足組 {0} {1}", (("ホワイト", "ブラック", "ミックス"), ("23-25cm", "25-27cm"))),
    Family("boxers", "apparel", "NUNO BASICS", "綿 ボクサーパンツ 2枚組 {0} {1}", (("ブラック", "ネイビー"), ("M", "L", "XL"))),
    Family("kids_tee", "apparel", "ぬのや", "キッズ 半袖Tシャツ {0} {1}", (("ホワイト", "ネイビー", "イエロー", "ピンク"), KIDS_SIZES)),
    # electronics: serial-tracked gadgets, untracked accessories
    Family("power_bank", "gadget", "PLUGA", "{0}",
           (("モバイルバッテリー 10000mAh USB-C PD対応 ブラック", "モバイルバッテリー 10000mAh USB-C PD対応 ホワイト",
             "モバイルバッテリー 20000mAh 急速充電"),), upc=True),
    Family("audio", "gadget", "PLUGA", "{0}",
           (("完全ワイヤレスイヤホン ノイズキャンセリング ブラック", "完全ワイヤレスイヤホン ノイズキャンセリング ホワイト",
             "Bluetooth スピーカー 防水 IPX7", "スマートウォッチ 心拍計測"),), upc=True),
    Family("charger", "accessory", "PLUGA", "{0}",
           (("USB-C 急速充電器 20W", "USB-C 急速充電器 65W 2ポート", "USB-C to C ケーブル 1m", "USB-C to C ケーブル 2m",
             "Lightning ケーブル 1m", "HDMIケーブル 2m", "スマホスタンド 折りたたみ", "車載ホルダー マグネット式",
             "ワイヤレス充電器 15W", "USB-A to C ケーブル 1m"),)),
)

KITS: tuple[Kit, ...] = (
    Kit("里山珈琲", "ドリップバッグ 飲み比べ 3種セット", (("drip_bag", 1), ("drip_bag", 1), ("drip_bag", 1))),
    Kit("ひかり食品", "レトルトカレー 食べ比べ 6食セット", (("curry", 2), ("curry", 2), ("curry", 2))),
    Kit("かまくら厨房", "ごちそうカレー ギフトセット", (("premium_curry", 1), ("premium_curry", 1), ("hayashi", 1))),
    Kit("やまと園", "日本茶 ギフト 3種セット", (("tea_leaf", 1), ("tea_bag", 1), ("matcha", 1))),
    Kit("丸大醸造", "基本の調味料セット", (("soy_sauce", 1), ("mirin", 1), ("vinegar", 1))),
    Kit("うるおい堂", "スキンケア 2点セット 化粧水+乳液", (("lotion", 1), ("emulsion", 1))),
    Kit("SORA BEAUTY", "UVケア お出かけセット", (("sunscreen", 1), ("cleansing", 1))),
    Kit("清流", "キッチン洗剤 まとめ買いセット", (("dish_soap", 2), ("hand_soap", 1))),
    Kit("NUNO BASICS", "クルーネックTシャツ 2枚セット", (("crew_tee", 1), ("crew_tee", 1))),
    Kit("PLUGA", "充電スターターセット", (("charger", 1), ("charger", 1))),
)

COLOUR_CODES = {
    "ホワイト": "WH", "ブラック": "BK", "ネイビー": "NV", "グレー": "GY", "ベージュ": "BE", "サックス": "SX",
    "ミックス": "MX", "イエロー": "YE", "ピンク": "PK",
}

USERS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...] | None], ...] = (
    # login, display name, roles, warehouse codes (None: every warehouse)
    ("admin", "山田 太郎", ("admin",), None),
    ("supervisor1", "佐藤 花子", ("supervisor",), ("TKY", "OSK")),
    ("receiver1", "鈴木 一郎", ("receiver",), ("TKY",)),
    ("picker1", "高橋 美咲", ("picker",), ("TKY",)),
    ("picker2", "田中 健太", ("picker", "receiver"), ("OSK",)),
)

WAREHOUSES = (("TKY", "東京DC"), ("OSK", "大阪倉庫"))
PACKING_STATION_NAME = "梱包台 {n}"
SHIPPING_LANE_NAME = "出荷レーン {n}"
QUARANTINE_NOTE = "入荷検品で保留 (外装破損・要確認)"
