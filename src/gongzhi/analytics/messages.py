"""Messages of the measures (成效评估): names, formulas, units, comparison notes, errors."""

from __future__ import annotations

from gongzhi.i18n import register

# name, formula (zh, en) per measure; the single written definition every page and report shows.
_MEASURES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "complaint_rate": (
        ("投诉率", "Complaint rate"),
        ("本期有投诉工单的户数 ÷ 登记户数（投诉人按账号或手机号对应到户；对应不上的投诉人按一户计）",
         "Households with a complaint case in the period ÷ households (complainants matched to a "
         "household by account or phone; an unmatched complainant counts as one household)"),
    ),
    "dispute_count": (
        ("纠纷量", "Disputes"),
        ("本期受理的纠纷件数", "Disputes filed in the period"),
    ),
    "satisfaction": (
        ("满意率（工单评价）", "Satisfaction (case ratings)"),
        ("本期工单中评价 4–5 星的件数 ÷ 已评价件数", "Cases of the period rated 4–5 ÷ cases rated"),
    ),
    "satisfaction_survey": (
        ("满意度（问卷）", "Satisfaction (survey)"),
        ("本期居民满意度问卷得分（0–100）的平均值", "Mean resident satisfaction survey score (0–100) in the period"),
    ),
    "safety_score": (
        ("安全感", "Sense of safety"),
        ("本期居民安全感问卷得分（0–100）的平均值", "Mean resident safety survey score (0–100) in the period"),
    ),
    "response_median": (
        ("响应时间（中位数）", "Response time (median)"),
        ("本期工单从上报到受理用时的中位数（仅已受理工单）",
         "Median time from report to acceptance of the period's cases (accepted cases only)"),
    ),
    "response_p90": (
        ("响应时间（90分位）", "Response time (90th percentile)"),
        ("本期工单从上报到受理用时的第 90 百分位数（仅已受理工单）",
         "90th percentile of the time from report to acceptance (accepted cases only)"),
    ),
    "on_time_rate": (
        ("按时办结率", "On-time resolution rate"),
        ("本期工单中在办结时限内办结的件数 ÷ 已办结件数", "Cases of the period resolved within the resolve clock ÷ cases resolved"),
    ),
    "mediation_success": (
        ("调解成功率", "Mediation success rate"),
        ("本期纠纷中调解达成协议的件数 ÷ 调解已结束的件数",
         "Disputes of the period concluded with an agreement ÷ disputes whose mediation concluded"),
    ),
    "resolution_rate": (
        ("纠纷解决率", "Dispute resolution rate"),
        ("本期纠纷中已化解的件数 ÷ 受理件数", "Disputes of the period resolved ÷ disputes filed"),
    ),
    "petitions": (
        ("信访量", "Petitions"),
        ("本期受理的信访件数", "Petition cases filed in the period"),
    ),
    "alarm_ack_median": (
        ("告警响应时间（中位数）", "Alarm acknowledgement time (median)"),
        ("本期告警从发出到有人确认用时的中位数", "Median time from an alarm being raised to its acknowledgement"),
    ),
    "alarm_scene_median": (
        ("告警到场时间（中位数）", "Alarm on-scene time (median)"),
        ("本期告警从发出到有人到场用时的中位数", "Median time from an alarm being raised to someone on scene"),
    ),
    "elder_coverage": (
        ("养老服务覆盖率", "Elder care coverage"),
        ("期末（或当前）在册老人中有在用手环且有签约医生的人数 ÷ 在册老人数",
         "Registered elders with a working wearable and a doctor ÷ registered elders, at the period end "
         "(or now, if earlier)"),
    ),
}

register({f"measure.{code}.name": name for code, (name, _) in _MEASURES.items()})
register({f"measure.{code}.formula": formula for code, (_, formula) in _MEASURES.items()})

register({
    "measure.unit.percent": ("%", "%"),
    "measure.unit.count": ("件", "cases"),
    "measure.unit.seconds": ("秒", "seconds"),
    "measure.unit.score": ("分", "points"),
    "measure.duration.days": ("{d}天{h}小时", "{d} d {h} h"),
    "measure.duration.hours": ("{h}小时{m}分", "{h} h {m} min"),
    "measure.duration.minutes": ("{m}分{s}秒", "{m} min {s} s"),
    "measure.duration.seconds": ("{s}秒", "{s} s"),
    "measure.score": ("{value}分", "{value}"),
    "compare.note.significant": ("差异显著（p < 0.05）", "Significant difference (p < 0.05)"),
    "compare.note.not_significant": ("差异不显著（p ≥ 0.05）", "Difference not significant (p ≥ 0.05)"),
    "compare.note.small_sample": ("样本量小（少于 30），结论仅供参考", "Small sample (fewer than 30): read with care"),
    "compare.note.no_data": ("前后至少一期无数据，无法比较", "No data in at least one period: nothing to compare"),
    "compare.note.no_test": ("该指标仅有汇总值，未做显著性检验", "Only summary figures exist for this measure: no significance test"),
    "compare.short.significant": ("显著", "significant"),
    "compare.short.not_significant": ("不显著", "not significant"),
    "compare.short.small_sample": ("样本小", "small sample"),
    "compare.short.no_data": ("无数据", "no data"),
    "compare.short.no_test": ("未检验", "not tested"),
    "compare.method.two_proportion": ("两比例 z 检验", "two-proportion z-test"),
    "compare.method.fisher": ("Fisher 精确检验", "Fisher's exact test"),
    "compare.method.poisson": ("泊松计数条件二项检验（以天数为暴露量）",
                               "conditional binomial test of two Poisson counts (exposure = days)"),
    "compare.method.mann_whitney": ("Mann-Whitney U 检验", "Mann-Whitney U test"),
    "analytics_measure_unknown": ("未知的指标：{code}", "Unknown measure: {code}"),
    "analytics_area_forbidden": ("无权查看该区域的统计：{area}", "You may not see the figures of this area: {area}"),
    "analytics_area_required": ("请指定区域（area=区域编码）", "Give an area (area=CODE)"),
    "analytics_pilot_start_future": ("试点开始日期 {day} 尚未到来，无法比较前后",
                                     "The pilot start {day} is in the future: there is no after yet"),
    "analytics_compare_windows": ("比较时段无效：前期须在试点开始前结束，后期须在试点开始后开始",
                                  "Invalid windows: before must end by the pilot start, after must start on or after it"),
    "analytics_cli_area": ("区域不存在：{area}", "No such area: {area}"),
    "analytics_cli_measure": ("指标", "Measure"),
    "analytics_cli_value": ("数值", "Value"),
    "analytics_cli_num": ("分子", "Numerator"),
    "analytics_cli_den": ("分母", "Denominator"),
    "analytics_cli_n": ("样本数", "n"),
    "analytics_cli_before": ("试点前", "Before"),
    "analytics_cli_after": ("试点后", "After"),
    "analytics_cli_diff": ("变化", "Change"),
    "analytics_cli_rel": ("相对变化", "Relative"),
    "analytics_cli_p": ("p 值", "p-value"),
    "analytics_cli_note": ("说明", "Note"),
    "analytics_cli_improved": ("改善", "Improved"),
})
