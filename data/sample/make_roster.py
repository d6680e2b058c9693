"""Generate the fictional demo roster, data/sample/roster.csv.

Deterministic (random.Random(2026)): running it again writes the same file. Names are built from
common surnames and given-name characters and belong to no one in particular; guardian phone numbers
have "0000" as their middle digits so they are obviously fake.

    python3 data/sample/make_roster.py            # writes data/sample/roster.csv
    python3 data/sample/make_roster.py --stdout   # prints it instead

Fixed rows the tests rely on: S1001 张三明 in 七年级1班 (pinyin initials "zsm", and no other
name has them), and the staff T001 李华, T002 王强, T003 陈静, T004 赵敏 (roles: staff.toml).
"""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

HEADER = [
    "person_id",
    "name",
    "kind",
    "grade",
    "class",
    "card_id",
    "guardian_name",
    "guardian_phone",
    "dorm",
]

# (grade, person_id prefix, number of classes); 33 students a class.
GRADES = [("七年级", "S1", 4), ("八年级", "S2", 3), ("九年级", "S3", 3)]
CLASS_SIZE = 33
BOARDER_SHARE = 1 / 3
DORM_ROOM_SIZE = 8

# Surnames and given names with their pinyin initials, written out so the generator needs nothing
# outside the standard library and can keep every other name off the initials "zsm". No polyphonic
# characters.
SURNAMES = {
    "王": "w", "李": "l", "张": "z", "刘": "l", "陈": "c", "杨": "y", "黄": "h", "赵": "z",
    "吴": "w", "周": "z", "徐": "x", "孙": "s", "马": "m", "朱": "z", "胡": "h", "郭": "g",
    "何": "h", "林": "l", "罗": "l", "高": "g", "郑": "z", "梁": "l", "谢": "x", "宋": "s",
    "唐": "t", "许": "x", "韩": "h", "冯": "f", "邓": "d", "曹": "c", "彭": "p", "田": "t",
    "董": "d", "袁": "y", "潘": "p", "蒋": "j", "蔡": "c", "余": "y", "杜": "d", "叶": "y",
    "程": "c", "魏": "w", "苏": "s", "吕": "l", "丁": "d", "任": "r", "沈": "s", "姚": "y",
    "卢": "l", "姜": "j", "崔": "c", "钟": "z", "谭": "t", "陆": "l", "汪": "w", "范": "f",
    "金": "j", "石": "s", "廖": "l", "贾": "j", "夏": "x", "韦": "w", "方": "f", "白": "b",
    "邹": "z", "孟": "m", "熊": "x", "秦": "q", "邱": "q", "江": "j", "尹": "y", "薛": "x",
}  # fmt: skip
BOY_GIVEN = {
    "浩宇": "hy", "子轩": "zx", "宇轩": "yx", "浩然": "hr", "博文": "bw", "思远": "sy",
    "泽宇": "zy", "家豪": "jh", "一鸣": "ym", "明轩": "mx", "睿哲": "rz", "晨阳": "cy",
    "俊熙": "jx", "宇航": "yh", "文博": "wb", "志远": "zy", "鹏飞": "pf", "子豪": "zh",
    "浩轩": "hx", "明哲": "mz", "俊宇": "jy", "思源": "sy", "昊天": "ht", "皓轩": "hx",
    "嘉俊": "jj", "锦程": "jc", "弘毅": "hy", "梓睿": "zr", "建宇": "jy", "云帆": "yf",
    "逸飞": "yf", "雨泽": "yz", "天佑": "ty", "子墨": "zm", "立诚": "lc", "宏杰": "hj",
    "振宇": "zy", "嘉伟": "jw", "浩辰": "hc", "奕辰": "yc", "铭泽": "mz", "俊豪": "jh",
    "博涵": "bh", "子骞": "zq", "宇辰": "yc", "君浩": "jh", "志豪": "zh", "煜城": "yc",
    "梓航": "zh", "文轩": "wx", "书恒": "sh", "沐阳": "my", "彦博": "yb", "承泽": "cz",
    "翰林": "hl", "世杰": "sj", "梓豪": "zh", "天翔": "tx", "智宸": "zc", "瑞霖": "rl",
}  # fmt: skip
GIRL_GIVEN = {
    "欣怡": "xy", "梓涵": "zh", "诗涵": "sh", "雨涵": "yh", "思彤": "st", "雨欣": "yx",
    "可欣": "kx", "佳怡": "jy", "梦琪": "mq", "语嫣": "yy", "欣妍": "xy", "诗琪": "sq",
    "雅琪": "yq", "若曦": "rx", "婉婷": "wt", "雨桐": "yt", "思琪": "sq", "晓雯": "xw",
    "佳琪": "jq", "静怡": "jy", "梦瑶": "my", "心怡": "xy", "雪婷": "xt", "紫涵": "zh",
    "一诺": "yn", "嘉怡": "jy", "晨曦": "cx", "芷若": "zr", "雅婷": "yt", "悦彤": "yt",
    "舒涵": "sh", "安琪": "aq", "欣悦": "xy", "佳颖": "jy", "雨萱": "yx", "梓萱": "zx",
    "思雨": "sy", "语桐": "yt", "诗雨": "sy", "沐晴": "mq", "可馨": "kx", "晓彤": "xt",
    "婧琪": "jq", "依诺": "yn", "梦洁": "mj", "艺涵": "yh", "雅静": "yj", "子琪": "zq",
    "欣然": "xr", "梓琳": "zl", "若彤": "rt", "佳欣": "jx", "舒雅": "sy", "馨予": "xy",
    "书瑶": "sy", "清妍": "qy", "静雯": "jw", "雨晴": "yq", "诗妍": "sy", "语涵": "yh",
}  # fmt: skip
# Given names for the guardians' generation (born in the 1970s and 1980s).
GUARDIAN_GIVEN = [
    "建华", "志刚", "国强", "建军", "海涛", "永红", "丽娟", "秀英", "海燕", "晓红",
    "春梅", "红霞", "卫东", "德明", "文斌", "玉兰", "淑芬", "建平", "立新", "桂芳",
    "振华", "金凤", "秀云", "志勇", "红梅", "永刚", "丽萍", "俊峰", "玉梅", "建新",
]  # fmt: skip

# Well-known people (and characters) whose names the lists above could spell: skipped.
NOTABLE_NAMES = {"张一鸣", "刘浩然", "许佳琪", "周芷若"}

# (person_id, name, job) — the job is for the reader: the roster has no column for it.
STAFF = [
    ("T001", "李华", "duty teacher"),
    ("T002", "王强", "safety officer"),
    ("T003", "陈静", "school doctor"),
    ("T004", "赵敏", "principal"),
    ("T005", "周文博", "duty teacher"),
    ("T006", "刘雅琴", "class teacher"),
    ("T007", "孙建平", "security guard"),
    ("T008", "黄秀兰", "canteen"),
    ("T009", "马丽华", "cleaning"),
    ("T010", "郭志远", "dorm manager"),
    ("T011", "何晓东", "class teacher"),
    ("T012", "林慧", "class teacher"),
]

FIXED_STUDENT = ("S1001", "张三明")
RESERVED_INITIALS = "zsm"


def _initials(surname: str, given: str) -> str:
    return SURNAMES[surname] + {**BOY_GIVEN, **GIRL_GIVEN}[given]


class RosterMaker:
    """Draws names, card numbers and phone numbers without repeats from one seeded generator."""

    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.names: set[str] = {name for _, name, _ in STAFF} | {FIXED_STUDENT[1]}
        self.cards: set[int] = set()
        self.phones: set[str] = set()

    def student_name(self, girl: bool) -> str:
        pool = sorted(GIRL_GIVEN if girl else BOY_GIVEN)
        surnames = sorted(SURNAMES)
        while True:
            surname, given = self.rng.choice(surnames), self.rng.choice(pool)
            name = surname + given
            if (
                name not in self.names
                and name not in NOTABLE_NAMES
                and _initials(surname, given) != RESERVED_INITIALS
            ):
                self.names.add(name)
                return name

    def guardian_name(self, student: str) -> str:
        while True:
            name = student[0] + self.rng.choice(GUARDIAN_GIVEN)
            if name not in self.names and name not in NOTABLE_NAMES:
                return name

    def card_id(self) -> str:
        while True:
            card = self.rng.randrange(10_000_000, 100_000_000)
            if card not in self.cards:
                self.cards.add(card)
                return str(card)

    def phone(self) -> str:
        while True:
            number = f"{self.rng.choice(['137', '138', '139'])}0000{self.rng.randrange(10_000):04d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


def build_rows(seed: int = 2026) -> list[dict[str, str]]:
    """Every roster row, students (by class) then staff."""
    maker = RosterMaker(seed)
    students: list[dict[str, str]] = []
    girls: dict[str, bool] = {}
    for grade, prefix, classes in GRADES:
        number = 1
        for class_no in range(1, classes + 1):
            class_name = f"{grade}{class_no}班"
            for _ in range(CLASS_SIZE):
                person_id = f"{prefix}{number:03d}"
                number += 1
                if person_id == FIXED_STUDENT[0]:
                    girl, name = False, FIXED_STUDENT[1]
                else:
                    girl = maker.rng.random() < 0.5
                    name = maker.student_name(girl)
                girls[person_id] = girl
                students.append(
                    {
                        "person_id": person_id,
                        "name": name,
                        "kind": "student",
                        "grade": grade,
                        "class": class_name,
                        "card_id": maker.card_id(),
                        "guardian_name": maker.guardian_name(name),
                        "guardian_phone": maker.phone(),
                        "dorm": "",
                    }
                )

    # About a third board. S1001 is a day student, so the demo's first search hit stays simple.
    candidates = [row for row in students if row["person_id"] != FIXED_STUDENT[0]]
    boarders = maker.rng.sample(candidates, round(len(students) * BOARDER_SHARE))
    boarders.sort(key=lambda row: row["person_id"])
    filled = {"男生宿舍": 0, "女生宿舍": 0}
    for row in boarders:
        building = "女生宿舍" if girls[row["person_id"]] else "男生宿舍"
        index = filled[building]
        filled[building] += 1
        floor, room = divmod(index // DORM_ROOM_SIZE, 6)
        row["dorm"] = f"{building}{floor + 1}{room + 1:02d}"

    staff = [
        {
            "person_id": person_id,
            "name": name,
            "kind": "staff",
            "grade": "",
            "class": "",
            "card_id": maker.card_id(),
            "guardian_name": "",
            "guardian_phone": "",
            "dorm": "",
        }
        for person_id, name, _ in STAFF
    ]
    return students + staff


def render(rows: list[dict[str, str]]) -> str:
    """The CSV text: UTF-8 without BOM, LF line ends."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str]) -> int:
    text = render(build_rows())
    if "--stdout" in argv:
        sys.stdout.write(text)
    else:
        target = Path(__file__).with_name("roster.csv")
        target.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
