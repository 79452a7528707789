"""The Chinese of every problem: titles by code, details and validation messages by English
template (``{name}`` marks a parameter, carried over as it is or through ``NOUNS``).

A new English message belongs here too; until it is added, a Chinese reader sees its code's
Chinese sentence followed by the English (``services.api.i18n``).
"""

from __future__ import annotations

TITLES: dict[str, str] = {
    "bad_request": "请求有误",
    "validation_error": "输入无效",
    "malformed_json": "JSON 格式错误",
    "unauthenticated": "需要登录认证",
    "forbidden": "无权执行此操作",
    "not_found": "未找到",
    "method_not_allowed": "不支持该请求方法",
    "invalid_transition": "当前状态下不允许此操作",
    "conflict": "与现有数据冲突",
    "version_mismatch": "资源已被修改",
    "payload_too_large": "请求体过大",
    "idempotency_key_reused": "幂等键已被使用",
    "rate_limited": "请求过于频繁",
    "internal_error": "服务器内部错误",
    "not_ready": "服务尚未就绪",
}

# The sentence put before an English detail that no template below knows yet.
FALLBACK: dict[str, str] = {
    "bad_request": "请求有误",
    "validation_error": "输入无效",
    "unauthenticated": "需要登录认证",
    "forbidden": "您的角色无权执行此操作",
    "not_found": "未找到所请求的资源",
    "invalid_transition": "当前状态下不允许此操作",
    "conflict": "操作与现有数据冲突",
    "version_mismatch": "资源已被他人修改，请刷新后重试",
    "idempotency_key_reused": "该幂等键已用于另一请求",
    "rate_limited": "请求过于频繁，请稍后再试",
    "internal_error": "服务器内部错误",
}

# Words that messages embed: the labels of things, roles, token kinds.
NOUNS: dict[str, str] = {
    "studio": "工作室",
    "studio rating": "星级评定",
    "service activity": "服务活动",
    "membership": "进驻记录",
    "member card": "委员名片",
    "contact request": "名片留言",
    "contactrequest": "名片留言",
    "organisation": "组织",
    "region": "区域",
    "sector": "界别",
    "committee": "专委会",
    "department": "部门",
    "member": "委员",
    "expert": "专家",
    "user": "用户",
    "api key": "API 密钥",
    "platform": "协商平台",
    "plan": "年度计划",
    "campaign": "专项活动",
    "consultation": "协商活动",
    "suggestion": "意见建议",
    "report": "政协专报",
    "instruction task": "批示落实任务",
    "supervision case": "监督事项",
    "supervision topic": "监督专题",
    "party branch": "党支部",
    "party partner": "友好协作党组织",
    "joint activity": "联学联议活动",
    "theme task": "主题教育任务",
    "problem solved": "助力解决的问题",
    "webhook subscription": "Webhook 订阅",
    "webhook delivery": "Webhook 投递",
    "district": "区级",
    "town": "镇（街道）",
    "village": "村（社区）",
    "access": "访问",
    "refresh": "刷新",
    "admin": "管理员",
    "staff": "工作人员",
    "leader": "领导",
    "auditor": "审计员",
    "integrator": "集成方",
    "system": "系统",
    "proposal": "提案",
    "proposal assignment": "提案交办",
    "proposal reply": "提案答复",
    "proposal opinion": "协办意见",
    "proposal signer": "联名人",
}

# Domain details and our own validators' messages, as raised in shared/ and services/.
DETAILS: dict[str, str] = {
    # any context
    "No {thing} with id {id}.": "未找到 id 为 {id} 的{thing}。",
    "No {thing} with id {id} for this studio.": "本工作室没有 id 为 {id} 的{thing}。",
    "No {thing} with id {id} in this studio.": "本工作室没有 id 为 {id} 的{thing}。",
    "{field}: no such {thing}.": "{field}：没有这样的{thing}。",
    "The cursor is not one this API issued.": "分页游标无效（不是本接口签发的）。",
    "'{action}' is not allowed on a {workflow} in state '{state}'; allowed: {allowed}.": (
        "{workflow}处于“{state}”状态，不能执行“{action}”；可执行：{allowed}。"
    ),
    "'{action}' is not allowed on a {workflow} in state '{state}'; no action is open to you.": (
        "{workflow}处于“{state}”状态，不能执行“{action}”；您当前没有可执行的操作。"
    ),
    "The {role} role may not do this.": "{role}角色无权执行此操作。",
    "'{action}' on a {workflow} is the worker's alone.": "{workflow}的“{action}”只由系统自动执行。",
    "'{action}' on a {workflow} is not open to a {role}.": "{role}不能对{workflow}执行“{action}”。",
    # accounts and sessions
    "The refresh token is not valid or was revoked; log in again.": (
        "刷新令牌无效或已被撤销；请重新登录。"
    ),
    "The refresh token was already used; this login is revoked.": (
        "刷新令牌已被使用过；本次登录已被撤销。"
    ),
    "The refresh token has expired; log in again.": "刷新令牌已过期；请重新登录。",
    "The new password may not be the username.": "新密码不能与用户名相同。",
    "The session has ended (password, role or account changed).": (
        "登录已失效（密码、角色或账号已变更）。"
    ),
    "The account no longer exists.": "该账号已不存在。",
    "The current password is wrong.": "当前密码不正确。",
    "The resource is at version {version}; reload it and retry.": (
        "资源已更新到第 {version} 版；请刷新后重试。"
    ),
    "This Idempotency-Key was used with a different request; use a new key.": (
        "该 Idempotency-Key 已用于另一请求；请使用新的键。"
    ),
    "Idempotency-Key must be 1 to 200 characters.": "Idempotency-Key 长度须为 1 至 200 个字符。",
    "The {type} event would exceed {size} bytes.": "{type} 事件将超过 {size} 字节。",
    "No resource at {path}.": "{path} 处没有资源。",
    "The request body is not valid JSON.": "请求体不是有效的 JSON。",
    "Request bodies are limited to {size} bytes.": "请求体不得超过 {size} 字节。",
    "Something went wrong on our side; the request id helps us find it.": (
        "服务器出错；请提供请求 ID 以便排查。"
    ),
    "The change conflicts with existing data (a duplicate, or a row still in use).": (
        "修改与现有数据冲突（重复，或数据仍被引用）。"
    ),
    "Someone else changed this resource first; reload it and try again.": (
        "此资源已被他人修改；请刷新后重试。"
    ),
    "Not reachable: {services}.": "无法连接：{services}。",
    "No workflow named {name}; known: {known}.": "没有名为 {name} 的流程；已有：{known}。",
    "Method Not Allowed": "不支持该请求方法",
    # authentication
    "Send 'Authorization: Bearer <token or API key>'.": (
        "请发送 'Authorization: Bearer <令牌或 API 密钥>'。"
    ),
    "The token is not valid.": "令牌无效。",
    "The token has expired.": "令牌已过期。",
    "A {kind} token is required.": "需要{kind}令牌。",
    "The API key is not valid or was revoked.": "API 密钥无效或已被吊销。",
    "Wrong username or password.": "用户名或密码错误。",
    "The account is no longer active.": "该账号已停用。",
    "Too many failed logins; try again later.": "登录失败次数过多；请稍后再试。",
    "The calendar token is not valid; issue a new one.": "日历令牌无效；请重新生成。",
    # organisation
    "The organisation no longer exists.": "该组织已不存在。",
    "A village needs its town as parent_id.": "村（社区）须以所属镇（街道）为 parent_id。",
    "parent_id must be a town.": "parent_id 必须是镇（街道）。",
    "A town has no parent region.": "镇（街道）没有上级区域。",
    "The username {name} is taken.": "用户名 {name} 已被占用。",
    "Administrators cannot demote or deactivate themselves.": (
        "管理员不能降低自己的角色或停用自己。"
    ),
    "role {role} needs {field}": "角色 {role} 需要 {field}",
    "{field} is only for role {role}": "{field} 仅用于角色 {role}",
    "may not be null": "不能为 null",
    "{field} cannot be null": "{field} 不能为 null",
    "escalation levels must be strictly increasing": "升级时限必须严格递增",
    "unknown time zone {zone}": "未知时区 {zone}",
    # consultation
    "There is already a plan for {year}.": "{year} 年已有年度计划。",
    "ends_on is before starts_on.": "ends_on 早于 starts_on。",
    "ends_on is before starts_on": "ends_on 早于 starts_on",
    "A {level} platform needs a {level2} region.": "{level}平台需要{level2}区域。",
    "A {level} platform needs region_id.": "{level}平台需要 region_id。",
    "A {state} consultation can no longer be edited.": "处于“{state}”状态的协商活动不能再修改。",
    "Attendance cannot be recorded on a {state} consultation.": (
        "处于“{state}”状态的协商活动不能再登记出席。"
    ),
    "This attendance is already recorded.": "该出席记录已登记。",
    "Only a person's login has a calendar.": "只有个人账号才有日历。",
    "Scheduling needs {fields}.": "排期需要 {fields}。",
    "Give member_id or expert_id.": "请提供 member_id 或 expert_id。",
    "give member_id or expert_id, not both": "member_id 与 expert_id 只能提供一个",
    "You may record only your own attendance.": "您只能登记本人的出席。",
    "You may propose only in your own name.": "您只能以本人名义提出建议。",
    "Only those who attend a consultation may propose on it.": "只有出席协商活动的人才能提出建议。",
    "A {state} consultation takes no more suggestions.": (
        "处于“{state}”状态的协商活动不再接收意见建议。"
    ),
    "Your department has already answered this suggestion.": "贵部门已答复此意见建议。",
    "A suggestion cannot be merged into itself.": "意见建议不能合并到自身。",
    "into_id names a merged suggestion; merge into its target instead.": (
        "into_id 指向已被合并的意见建议；请合并到其合并目标。"
    ),
    "Staff must give proposer_kind.": "工作人员须提供 proposer_kind。",
    "A member's suggestion needs proposer_member_id.": "委员的建议需要 proposer_member_id。",
    "An expert's suggestion needs proposer_expert_id.": "专家的建议需要 proposer_expert_id。",
    "A {state} report can no longer be edited.": "处于“{state}”状态的专报不能再修改。",
    "Instructions are recorded on submitted reports; this one is {state}.": (
        "只能为已报送的专报登记批示；此专报处于“{state}”状态。"
    ),
    "action {action} needs {fields}": "操作 {action} 需要 {fields}",
    "action {action} takes no {fields}": "操作 {action} 不接受 {fields}",
    # studios
    "Only the studio's convener may do this.": "只有工作室召集人可以执行此操作。",
    "The member is already stationed in this studio for that period.": (
        "该委员在此期间已进驻本工作室。"
    ),
    "until must not be before since.": "until 不能早于 since。",
    "until must not be before since": "until 不能早于 since",
    "The studio already has a {year} rating under way or awarded.": (
        "该工作室 {year} 年已有进行中或已评定的星级评定。"
    ),
    "A member records service activities of a studio they convene.": (
        "委员只能登记自己召集的工作室的服务活动。"
    ),
    "Only a leader awards from district review; staff recommend upward.": (
        "区级审核阶段只有领导可以评定；工作人员可向上推荐。"
    ),
    "From district review the award is at district level.": "区级审核阶段只能评定区级星级。",
    "An upper review records a province or city award.": "上级审核记录的是省级或市级评定。",
    "award needs stars and level": "评定需要 stars 和 level",
    "stars, level and valid_until belong to award only": "stars、level 和 valid_until 仅用于评定",
    "answer belongs to the answer action": "answer 仅用于答复操作",
    "At most {limit} requests an hour from one address; try again later.": (
        "同一地址每小时最多 {limit} 次请求；请稍后再试。"
    ),
    # supervision
    "The topic has cases; withdraw them instead of deleting the topic.": (
        "该专题下已有监督事项；请撤回事项，而不是删除专题。"
    ),
    "The topic is concluded; it takes no new cases.": "该专题已结束，不再接收新的监督事项。",
    "department_ids: every department must be one of the topic's target departments.": (
        "department_ids：每个部门都必须是该专题的监督对象部门。"
    ),
    "A case in state '{state}' can no longer be edited.": "处于“{state}”状态的监督事项不能再修改。",
    "Only a responsible department answers this case.": "只有责任部门可以反馈此监督事项。",
    "Your department has already answered round {round}.": "贵部门已反馈第 {round} 轮。",
    # proposals
    "Only the lead unit (主办单位) gives the final reply.": "只有主办单位可以作出最终答复。",
    "Only the lead unit (主办单位) replies.": "只有主办单位可以答复。",
    "Only the lead unit (主办单位) asks for an extension.": "只有主办单位可以申请延期。",
    "Only a co-handler (协办单位) submits an opinion.": "只有协办单位可以提交协办意见。",
    "The proposal has no open follow-up.": "该提案没有进行中的跟踪办理。",
    "Only the lead signer (领衔人) evaluates the reply.": "只有领衔人可以评价答复。",
    "Only the lead signer (领衔人) takes this action.": "只有领衔人可以执行此操作。",
    "on_paper: a paper form is entered by staff.": "on_paper：纸质表格由工作人员录入。",
    "on_paper: staff enter the proposer's paper form.": (
        "on_paper：工作人员须录入提案人的纸质表格。"
    ),
    "lead_member_id: a member proposal names its member.": (
        "lead_member_id：委员提案须指明领衔委员。"
    ),
    "signer_member_ids: the lead signer is not a co-signer.": (
        "signer_member_ids：领衔人不能同时是联名人。"
    ),
    "Only a co-signer named on the proposal answers for it.": "只有提案所列的联名人可以作答。",
    "Signatures are answered on a draft; this proposal is '{state}'.": (
        "只能对草稿提案作联名答复；此提案处于“{state}”状态。"
    ),
    "{count} co-signer(s) have not yet confirmed.": "尚有 {count} 位联名人未确认。",
    "into_id: the target must be another open proposal of this organisation.": (
        "into_id：并案目标必须是本组织另一件未办结的提案。"
    ),
    "A member proposes as a member; staff enter collective proposals.": (
        "委员以个人名义提出提案；集体提案由工作人员录入。"
    ),
    "A member drafts only their own proposals.": "委员只能起草本人的提案。",
    "The return window has passed; handle the proposal or ask for help.": (
        "退回期限已过；请办理该提案或寻求协助。"
    ),
    "department_id: that unit already handles this proposal.": (
        "department_id：该单位已在办理此提案。"
    ),
    "until: after the current due date and no later than {latest}.": (
        "until：须晚于当前办理期限，且不晚于 {latest}。"
    ),
    "No extension request is waiting.": "没有待审批的延期申请。",
    "proposer_name is required unless proposer_kind is member": (
        "proposer_kind 不是 member 时必须提供 proposer_name"
    ),
    "only a member proposal has a lead member and co-signers": "只有委员提案才有领衔委员和联名人",
    "signer_member_ids must not repeat": "signer_member_ids 不能重复",
    "a unit is named once: lead or co-handler": "每个单位只能出现一次：主办或协办",
    "must be between PT1S and P2Y": "须在 PT1S 至 P2Y 之间",
    "must fall in the years 1949 to 2100": "须在 1949 至 2100 年之间",
    "{value} is not an ISO 8601 duration such as P3M, P7D or PT12H": (
        "{value} 不是 ISO 8601 时长（例如 P3M、P7D 或 PT12H）"
    ),
    # webhooks
    "The subscription is disabled; enable it before testing.": "该订阅已停用；请先启用再测试。",
    "url: {reason}.": "url：{reason}。",
    "{pattern} matches no event type (see GET /api/v1/event-types)": (
        "{pattern} 不匹配任何事件类型（见 GET /api/v1/event-types）"
    ),
}

# Pydantic's messages by English template (python and JSON wordings where they differ).
PYDANTIC: dict[str, str] = {
    "Field required": "必填字段",
    "Extra inputs are not permitted": "不允许额外字段",
    "Invalid JSON: {error}": "JSON 无效：{error}",
    "JSON input should be string, bytes or bytearray": "JSON 输入应为字符串或字节",
    "Input should be a valid dictionary or instance of {class_name}": "应为对象",
    "Input should be a valid dictionary or object to extract fields from": "应为对象",
    "Input should be an object": "应为对象",
    "Input should be None": "应为 null",
    "Input should be null": "应为 null",
    "Input should be greater than {gt}": "应大于 {gt}",
    "Input should be greater than or equal to {ge}": "应大于或等于 {ge}",
    "Input should be less than {lt}": "应小于 {lt}",
    "Input should be less than or equal to {le}": "应小于或等于 {le}",
    "Input should be a multiple of {multiple_of}": "应为 {multiple_of} 的倍数",
    "Input should be a finite number": "应为有限数值",
    "{field_type} should have at least {min_length} item{expected_plural} after validation, "
    "not {actual_length}": "至少应有 {min_length} 项，实际为 {actual_length} 项",
    "{field_type} should have at most {max_length} item{expected_plural} after validation, "
    "not {actual_length}": "至多应有 {max_length} 项，实际为 {actual_length} 项",
    "Input should be iterable": "应为可迭代的值",
    "Input should be a valid string": "应为字符串",
    "Input should be a valid string, unable to parse raw data as a unicode string": (
        "应为有效的 Unicode 字符串"
    ),
    "String should have at least {min_length} character{expected_plural}": (
        "至少应有 {min_length} 个字符"
    ),
    "String should have at most {max_length} character{expected_plural}": (
        "至多应有 {max_length} 个字符"
    ),
    "String should match pattern '{pattern}'": "应符合格式 '{pattern}'",
    "Input should be {expected}": "应为 {expected} 之一",
    "Input should be a valid dictionary": "应为对象",
    "Input should be a valid list": "应为数组",
    "Input should be a valid array": "应为数组",
    "Input should be a valid tuple": "应为数组",
    "Input should be a valid set": "应为数组",
    "Input should be a valid boolean": "应为布尔值",
    "Input should be a valid boolean, unable to interpret input": "应为布尔值，无法识别输入",
    "Input should be a valid integer": "应为整数",
    "Input should be a valid integer, unable to parse string as an integer": (
        "应为整数，无法将字符串解析为整数"
    ),
    "Unable to parse input string as an integer, exceeded maximum size": "整数超出允许的最大长度",
    "Input should be a valid integer, got a number with a fractional part": (
        "应为整数，不能有小数部分"
    ),
    "Input should be a valid number": "应为数值",
    "Input should be a valid number, unable to parse string as a number": (
        "应为数值，无法将字符串解析为数值"
    ),
    "Value error, {error}": "{error}",
    "Assertion failed, {error}": "断言失败：{error}",
    "Input should be a valid date": "应为有效日期",
    "Input should be a valid date in the format YYYY-MM-DD, {error}": (
        "应为 YYYY-MM-DD 格式的有效日期（{error}）"
    ),
    "Input should be a valid date or datetime, {error}": "应为有效的日期或时间（{error}）",
    "Datetimes provided to dates should have zero time - e.g. be exact dates": (
        "日期不应包含时间部分"
    ),
    "Input should be a valid time": "应为有效时间",
    "Input should be in a valid time format, {error}": "应为有效的时间格式（{error}）",
    "Input should be a valid datetime": "应为有效的日期时间",
    "Input should be a valid datetime, {error}": "应为有效的日期时间（{error}）",
    "Input should be a valid datetime or date, {error}": "应为有效的日期时间或日期（{error}）",
    "Input should have timezone info": "应带有时区信息",
    "Input should not have timezone info": "不应带有时区信息",
    "Input should be a valid timedelta": "应为有效的时长",
    "Input should be a valid duration": "应为有效的时长",
    "Input should be a valid timedelta, {error}": "应为有效的时长（{error}）",
    "Input should be a valid duration, {error}": "应为有效的时长（{error}）",
    "Input tag '{tag}' found using {discriminator} does not match any of the expected tags: "
    "{expected_tags}": "{discriminator} 的值 '{tag}' 无效，应为：{expected_tags}",
    "Unable to extract tag using discriminator {discriminator}": (
        "缺少用于区分类型的 {discriminator}"
    ),
    "UUID input should be a string, bytes or UUID object": "UUID 应为字符串",
    "Input should be a valid UUID, {error}": "应为有效的 UUID（{error}）",
    "Input should be a valid URL, {error}": "应为有效的 URL（{error}）",
    "Input should be a valid decimal": "应为有效的小数",
    # the {error} of the date, time and UUID messages above
    "input is too short": "输入过短",
    "input is too long": "输入过长",
    "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], "
    "found `{found}` at {at}": "UUID 中第 {at} 位的字符 `{found}` 无效",
    "invalid group count: expected 5, found {found}": "UUID 分组数应为 5，实际为 {found}",
    "invalid length: expected length 32 for simple format, found {found}": (
        "UUID 长度应为 32，实际为 {found}"
    ),
    "invalid character in year": "年份中有无效字符",
    "invalid character in month": "月份中有无效字符",
    "invalid character in day": "日期中有无效字符",
    "month value is outside expected range of 1-12": "月份应在 1 至 12 之间",
    "day value is outside expected range": "日期超出有效范围",
    "unexpected extra characters at the end of the input": "输入末尾有多余字符",
    "invalid date separator, expected `-`": "日期分隔符无效，应为 `-`",
    "invalid duration": "时长格式无效",
}
