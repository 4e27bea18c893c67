"""i18n keys of volunteer teams, patrol shifts, swaps, hours and patrol reports."""

from __future__ import annotations

from gongzhi.i18n import register

register(
    {
        "vol_team_not_found": ("未找到该志愿者队伍", "Volunteer team not found"),
        "vol_team_name_taken": ("本社区已有同名队伍：{name}", "The community already has a team called {name}"),
        "vol_team_name_invalid": ("队伍名称不能为空，最多 100 字", "The team name must be 1–100 characters"),
        "vol_team_area_not_community": ("志愿者队伍只能建在社区或村下", "A team belongs to a community or village"),
        "vol_member_role_invalid": (
            "只有志愿者或居民账号可以加入队伍",
            "Only volunteer or resident accounts can join a team",
        ),
        "vol_member_outside": ("该用户不在本社区", "This person does not live or work in the community"),
        "vol_member_exists": ("该用户已是队员", "Already a member of the team"),
        "vol_not_member": ("{name} 不是本队在册队员", "{name} is not an active member of the team"),
        "vol_shift_not_found": ("未找到该班次", "Shift not found"),
        "vol_shift_time_invalid": (
            "班次结束时间须晚于开始时间，且不超过 12 小时",
            "A shift must end after it starts and last at most 12 hours",
        ),
        "vol_shift_in_past": ("不能安排已经开始的班次", "Cannot schedule a shift that has already started"),
        "vol_shift_area_outside": ("巡查区域不在本队社区内", "The patrol area is outside the team's community"),
        "vol_shift_overlap": ("{name} 在该时段已有班次", "{name} already has a shift at that time"),
        "vol_shift_not_yours": ("这不是您的班次", "This is not your shift"),
        "vol_shift_state": ("班次当前状态（{status}）不允许此操作", "Not allowed while the shift is {status}"),
        "vol_checkin_too_early": (
            "签到时间未到：最早可在开始前 {minutes} 分钟签到",
            "Too early: check-in opens {minutes} minutes before the start",
        ),
        "vol_checkin_too_late": ("班次已结束，不能签到", "The shift has ended; check-in is closed"),
        "vol_checkin_far": (
            "您距巡查区域约 {distance} 米，超出允许的 {radius} 米，请到达后再签到",
            "You are about {distance} m from the patrol area (allowed: {radius} m); check in when you arrive",
        ),
        "vol_location_invalid": ("位置坐标无效", "Invalid location"),
        "vol_swap_not_found": ("未找到该换班申请", "Swap request not found"),
        "vol_swap_pending_exists": ("该班次已有待处理的换班申请", "This shift already has a pending swap request"),
        "vol_swap_self": ("不能与自己换班", "You cannot swap with yourself"),
        "vol_swap_their_shift_invalid": (
            "对方的班次无效（须是对方尚未开始的班次）",
            "The other shift must be theirs and not yet started",
        ),
        "vol_swap_not_pending": ("该换班申请已处理", "This swap request has already been decided"),
        "vol_swap_decider": ("只有被请求的队员或队长可以处理换班", "Only the other volunteer or the team leader can decide"),
        "vol_report_description_invalid": ("请描述看到的情况（1–2000 字）", "Describe what you saw (1–2000 characters)"),
        "vol_report_category_required": ("预警需要选择问题类别", "A warning needs a category"),
        "vol_report_not_found": ("未找到该巡查记录", "Patrol report not found"),
        "vol_report_not_pending": ("该预警已处理", "This warning has already been reviewed"),
        "vol.shift.scheduled": ("待上岗", "Scheduled"),
        "vol.shift.checked_in": ("巡查中", "On patrol"),
        "vol.shift.completed": ("已完成", "Completed"),
        "vol.shift.missed": ("缺勤", "Missed"),
        "vol.shift.cancelled": ("已取消", "Cancelled"),
        "vol.swap.pending": ("待处理", "Pending"),
        "vol.swap.accepted": ("已同意", "Accepted"),
        "vol.swap.declined": ("已拒绝", "Declined"),
        "vol.swap.cancelled": ("已撤回", "Withdrawn"),
        "vol.report.recorded": ("已记录", "Recorded"),
        "vol.report.pending_review": ("待队长确认", "Awaiting the leader's review"),
        "vol.report.case_created": ("已转工单", "Case created"),
        "vol.report.dismissed": ("未采纳", "Dismissed"),
        "notice.vol_swap_requested.subject": ("换班申请：{when}", "Shift swap request: {when}"),
        "notice.vol_swap_requested.body": (
            "{name} 请求与您换班（{when}，{area}）。请在志愿者排班页处理。",
            "{name} asks you to take their shift ({when}, {area}). Answer on the roster page.",
        ),
        "notice.vol_swap_decided.subject": ("换班申请{result}", "Swap request {result}"),
        "notice.vol_swap_decided.body": (
            "您 {when} 的换班申请{result}。",
            "Your swap request for {when} was {result}.",
        ),
        "notice.vol_warning_review.subject": ("志愿者预警待确认", "Volunteer warning to review"),
        "notice.vol_warning_review.body": (
            "{name} 提交了预警：{description}",
            "{name} raised a warning: {description}",
        ),
    }
)
