"""Prose for the six parts of a generated report: varied from report to report, its figures true to
the tables, the statements the law asks for (信息处理费 in part 六; 工作考核、社会评议和责任追究 for a
government), and the dates it is signed and published.

Sentences are put together from pools of phrases, so two reports share no more than a phrase here and
there (what the boilerplate check must not call copying).

>>> from govreport.synth.truth import random_truth
>>> import random
>>> p = report_prose(random_truth("gov2021", seed=3), "department", random.Random(1))
>>> sorted(p.parts), p.signed.startswith(str(random_truth("gov2021", seed=3).year + 1))
(['part1', 'part2', 'part3', 'part4', 'part5', 'part6'], True)
"""

from __future__ import annotations

import random

from govreport.synth.printed import Prose, fmt
from govreport.synth.truth import Truth

SELF = {"department": ("本机关", "我局", "本单位"), "government": ("本级政府", "我区", "我县", "本机关")}
OPENERS = ("坚持以公开为常态、不公开为例外", "深入贯彻《条例》各项要求", "围绕年度中心工作", "紧扣群众关切",
           "按照上级部署安排", "以提升政府透明度为目标", "聚焦重点领域信息公开", "坚持依法依规公开",
           "立足部门职能实际", "着眼更好服务企业群众", "统筹发展和安全", "对标对表上级要求")
ACTIONS = ("完善主动公开目录", "规范依申请公开办理流程", "加强重要政策解读", "强化政府网站平台建设",
           "健全公开前保密审查机制", "推进基层政务公开标准化", "做好政务舆情回应", "加强公开队伍业务培训",
           "优化信息公开专栏设置", "落实公开属性源头认定", "推动决策过程公开", "深化重点领域信息发布",
           "开展政府开放日活动", "规范政务新媒体管理")
RESULTS = ("政务公开工作稳步推进", "公开质量持续提升", "群众获得感进一步增强", "各项工作取得新的成效",
           "公开实效明显提高", "社会监督作用得到发挥", "公开的规范化水平不断提高", "服务效能持续改善")
CHANNELS = ("门户网站", "政务新媒体", "政府公报", "新闻发布会", "政务服务中心公开专区", "公开栏")
CATEGORIES = ("政策文件", "工作动态", "财政预决算信息", "重大项目信息", "人事信息", "行政执法信息", "民生领域信息")
PROBLEMS = ("政策解读形式较为单一", "部分信息更新不够及时", "公开内容的针对性不够强", "基层公开标准化程度不高",
            "业务人员流动较大", "依申请公开答复的规范性有待提升", "公开平台的互动功能较弱",
            "个别栏目内容不够丰富", "回应社会关切的时效性不足", "公开与服务的融合不够深入",
            "数据开放的广度和深度不够", "公开工作考核的导向作用发挥不充分", "政策文件的图解解读数量偏少",
            "基层工作人员业务能力参差不齐", "公开目录与实际工作衔接不紧", "网站栏目维护存在空白",
            "依申请办理的内部流转环节偏多", "政务新媒体发布频次不稳定", "重点领域信息公开的深度不足",
            "公众参与的渠道和形式有限", "历史信息清理不够彻底", "公开前的保密审查记录不完整",
            "部分科室对公开属性认定把握不准", "答复文书的说理性有待加强")
IMPROVEMENTS = ("加强业务培训和指导", "完善信息发布审核机制", "丰富政策解读方式", "推进公开专栏规范化建设",
                "强化依申请公开全流程管理", "拓展公众参与渠道", "加大重点领域公开力度", "健全常态化巡查机制",
                "提升答复文书质量", "推动公开与政务服务融合", "加强工作力量配备", "建立问题整改台账",
                "开展公开工作专项督查", "完善政策解读评价机制", "定期清理过期失效信息", "扩大图解和视频解读比重",
                "健全依申请公开会商机制", "规范政务新媒体内容发布", "组织典型案例研讨", "推进公开目录动态调整",
                "落实信息发布三审制度", "加强与媒体的沟通协作", "引入第三方评估", "完善公开工作考评办法")
FEE = ("本年度未收取信息处理费。", "{y}年，{s}未发出信息处理费收费通知，未收取信息处理费。",
       "{y}年，{s}依据《政府信息公开信息处理费管理办法》收取信息处理费{n}元。",
       "本年度{s}办理政府信息公开申请均未收取信息处理费。", "{s}全年未向申请人收取信息处理费。",
       "{y}年度{s}共发出收费通知{k}件，实际收取信息处理费{n}元。")
ASSESS = ("将政务公开工作纳入年度绩效考核", "把信息公开工作列入目标管理考核", "完成对所属部门的政务公开考核",
          "修订政务公开考核细则并组织考核", "将公开实效作为考核的重要内容", "开展年度政务公开工作考评")
REVIEW = ("组织开展社会评议{n}次", "邀请群众代表参加社会评议{n}场", "通过网上问卷开展社会评议",
          "委托第三方开展公众满意度调查和社会评议", "听取人大代表和政协委员的评议意见", "组织企业代表评议公开工作")
ACCOUNT = ("未发生需要责任追究的情形", "全年未出现责任追究事项", "对{n}家单位进行通报并责任追究",
           "未发现应当追究责任的问题", "对工作不力的单位依规问责", "责任追究情况为零")
DOC_SENTENCES = ("本年制发行政规范性文件{i}件，现行有效{f}件。",
                 "全年新制发规范性文件{i}件；截至年底，现行有效规范性文件{f}件。",
                 "{y}年共印发行政规范性文件{i}件，现行有效的行政规范性文件共{f}件。",
                 "制发行政规范性文件{i}件，年末现行有效{f}件，均已在公开专栏发布。",
                 "围绕{topic}，制发行政规范性文件{i}件，现行有效{f}件。",
                 "在{topic}方面制发规范性文件{i}件，目前现行有效规范性文件{f}件，全部按规定备案。")
TOPICS = ("优化营商环境", "民生保障", "生态环境保护", "乡村振兴", "城市管理", "安全生产", "教育医疗", "财政资金管理")
LINKS = ("与{o}的要求相比还有差距", "离{o}的目标还有距离", "对照{o}的部署仍有不足", "与群众期待相比仍有提升空间")


def _pick(rng: random.Random, pool: tuple[str, ...], k: int) -> list[str]:
    return rng.sample(pool, k)


def report_prose(truth: Truth, kind: str, rng: random.Random, *, signed: str | None = None,
                 published: str | None = None) -> Prose:
    """Prose for every part of ``truth``'s report; ``kind``: department or government (the dates default
    to a day before the body's deadline)."""
    y, v = truth.year, truth.values
    s = rng.choice(SELF.get(kind, SELF["department"]))
    part1 = [f"{y}年，{s}{rng.choice(OPENERS)}，{'，'.join(_pick(rng, ACTIONS, rng.randint(2, 4)))}，"
             f"{rng.choice(RESULTS)}。在{rng.choice(TOPICS)}方面，{s}{'、'.join(_pick(rng, ACTIONS, 2))}，"
             f"全年开展相关工作{rng.randint(3, 60)}次，{rng.choice(RESULTS)}。"]
    docs = ("art20_1", "normative_documents")
    part2 = [f"{y}年，{s}通过{'、'.join(_pick(rng, CHANNELS, 2))}主动公开政府信息{rng.randint(50, 5000)}条，"
             f"其中{rng.choice(CATEGORIES)}{rng.randint(5, 40)}条，{rng.choice(RESULTS)}。"]
    if (*docs, "issued") in v:
        part2.append(rng.choice(DOC_SENTENCES).format(y=y, i=fmt(v[(*docs, "issued")]), f=fmt(v[(*docs, "in_force")]),
                                                      topic=rng.choice(TOPICS)))
    a = "applications"
    part3 = [f"全年共收到政府信息公开申请{fmt(v[(a, 'new', 'total')])}件，"
             f"办结{fmt(v[(a, 'total_handled', 'total')])}件，"
             f"结转下年度继续办理{fmt(v[(a, 'carried_forward', 'total')])}件。"]
    suits = v[("appeals", "direct_suit", "total")] + v[("appeals", "suit_after_review", "total")]
    part4 = [f"全年{s}发生政府信息公开行政复议{fmt(v[('appeals', 'review', 'total')])}件，行政诉讼{fmt(suits)}件。"]
    part5 = [f"{y}年，{s}政府信息公开工作仍存在{'、'.join(_pick(rng, PROBLEMS, rng.randint(2, 4)))}等问题，"
             f"{rng.choice(LINKS).format(o=rng.choice(OPENERS))}。"
             f"{rng.choice(('下一步', '今后', f'{y + 1}年'))}，{s}将"
             f"{'，'.join(_pick(rng, IMPROVEMENTS, rng.randint(3, 5)))}，{rng.choice(RESULTS)}。"]
    part6 = [rng.choice(FEE).format(y=y, s=s, n=rng.choice((100, 200, 380, 500)), k=rng.randint(1, 4))]
    if kind == "government":
        n = rng.randint(1, 6)
        part6.append(f"{rng.choice(('全年', f'{y}年', '本年度'))}，{s}{rng.choice(ASSESS)}，"
                     f"{rng.choice(REVIEW).format(n=n)}，{rng.choice(ACCOUNT).format(n=n)}。")
    if signed is None:
        month = rng.randint(1, 3) if kind == "government" else 1
        signed = f"{y + 1}年{month}月{rng.randint(5, 28)}日"
    if published is None:
        published = _iso(signed)
    return Prose({"part1": part1, "part2": part2, "part3": part3, "part4": part4, "part5": part5, "part6": part6},
                 signed=signed, published=published)


def _iso(cjk: str) -> str:
    y, rest = cjk.split("年")
    m, rest = rest.split("月")
    return f"{int(y):04d}-{int(m):02d}-{int(rest.rstrip('日')):02d}"
