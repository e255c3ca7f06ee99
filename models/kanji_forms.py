"""Old (kyūjitai) and variant kanji forms folded to their modern forms, for matching names.

A company may be written 株式會社 in one record and 株式会社 in another, or 髙島 and
高島: :func:`models.prospects.normalise_company_name` folds both to the modern form
so duplicate and conflict checks see one company.

The kyūjitai → shinjitai pairs come from the official Jōyō and Jinmeiyō kanji
lists as published in the data of the kyujipy project (MIT licence,
https://github.com/DrTurnon/kyujipy, ``kyujitai_simplified.cson`` and
``kyujitai_variants.cson``). That package is not a dependency because it
installs packaging tools (build, twine, keyring) at run time; pairs already
folded by Unicode NFKC are left out. :data:`NAME_VARIANTS` adds the variant
forms common in Japanese company and family names (髙, 﨑, 邉, …). To extend the
table, add a pair to one of the two strings of the same position.
"""

from __future__ import annotations

OLD_FORMS = (
    "亞惡壓圍醫爲壹飮隱榮營銳衞驛悅閱圓鹽緣艷應歐毆櫻奧橫溫穩假價畫會繪壞懷槪擴殼覺學"
    "嶽樂渴罐卷陷勸寬關歡觀顏氣歸龜僞戲犧舊據擧虛峽挾狹敎鄕曉區驅勳薰徑莖惠揭溪經螢輕"
    "繼鷄藝擊缺硏縣儉劍險圈檢獻權顯驗嚴戶吳娛廣效恆黃鑛號吿國黑碎濟齋歲劑雜參棧蠶慘產"
    "贊殘絲齒兒辭濕實寫舍釋壽收從澁獸縱肅處緖敍尙將稱涉燒證奬條狀乘淨剩疊繩壤孃讓釀觸"
    "囑眞寢愼盡圖粹醉穗隨髓樞數瀨聲靑齊淸靜稅竊攝說絕專淺戰踐錢潛纖禪雙壯爭莊搜插巢曾"
    "瘦裝總騷增藏臟卽屬續墮對體帶滯臺瀧擇澤脫擔單膽團斷彈遲癡蟲晝鑄廳徵聽敕鎭遞鐵點轉"
    "傳燈當黨盜稻鬭德獨讀屆內貳惱腦霸拜廢賣麥發髮拔晚蠻祕濱甁拂佛倂竝餠邊變步舖寶豐襃"
    "沒飜每萬滿麵默彌譯藥與豫餘譽搖樣謠來賴亂覽龍兩獵綠淚壘禮勵戾靈隸齡曆歷戀鍊爐勞郞"
    "樓籠錄灣堯巖摑彥檜槇瑤禰禱祿穰簞聰遙啞噓穎鷗軀鶯攪麴鹼嚙繡蔣醬搔屛幷濾蘆蠟彎焰礦"
    "讚顚巓醱潑輛繫瀆儘藪蠅嬀驒鬥鬪鬬亙凜晄晉萠"
)
MODERN_FORMS = (
    "亜悪圧囲医為壱飲隠栄営鋭衛駅悦閲円塩縁艶応欧殴桜奥横温穏仮価画会絵壊懐概拡殻覚学"
    "岳楽渇缶巻陥勧寛関歓観顔気帰亀偽戯犠旧拠挙虚峡挟狭教郷暁区駆勲薫径茎恵掲渓経蛍軽"
    "継鶏芸撃欠研県倹剣険圏検献権顕験厳戸呉娯広効恒黄鉱号告国黒砕済斎歳剤雑参桟蚕惨産"
    "賛残糸歯児辞湿実写舎釈寿収従渋獣縦粛処緒叙尚将称渉焼証奨条状乗浄剰畳縄壌嬢譲醸触"
    "嘱真寝慎尽図粋酔穂随髄枢数瀬声青斉清静税窃摂説絶専浅戦践銭潜繊禅双壮争荘捜挿巣曽"
    "痩装総騒増蔵臓即属続堕対体帯滞台滝択沢脱担単胆団断弾遅痴虫昼鋳庁徴聴勅鎮逓鉄点転"
    "伝灯当党盗稲闘徳独読届内弐悩脳覇拝廃売麦発髪抜晩蛮秘浜瓶払仏併並餅辺変歩舗宝豊褒"
    "没翻毎万満麺黙弥訳薬与予余誉揺様謡来頼乱覧竜両猟緑涙塁礼励戻霊隷齢暦歴恋錬炉労郎"
    "楼篭録湾尭巌掴彦桧槙瑶祢祷禄穣箪聡遥唖嘘頴鴎躯鴬撹麹鹸噛繍蒋醤掻屏并沪芦蝋弯焔砿"
    "讃顛巔醗溌輌繋涜侭薮蝿媯騨闘闘闘亘凛晃晋萌"
)
#: Variants common in names that are not kyūjitai (辨/瓣/辯 are all 弁 today).
NAME_VARIANTS = ("辨瓣辯髙﨑邉濵槗冨𠮷", "弁弁弁高崎辺浜橋富吉")

FOLD_OLD_FORMS = str.maketrans(OLD_FORMS + NAME_VARIANTS[0], MODERN_FORMS + NAME_VARIANTS[1])
