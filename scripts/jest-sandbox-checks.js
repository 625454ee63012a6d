// Tests check every sandbox answer against the AWS model's output shapes (sandbox/model/index.ts).
process.env.SANDBOX_CHECK_RESPONSES ??= '1'
