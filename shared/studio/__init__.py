"""Studio context: member studios, parlours and posts (委员工作室 / 会客厅 / 协商驿站), stationing,
the 10-minute service circle, star ratings, service activities and member cards."""
