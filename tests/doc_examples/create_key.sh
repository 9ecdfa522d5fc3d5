curl -X POST "https://api.tutorflow.io/v1/content/organizations/{organizationId}/api-keys" \
-H "Content-Type: application/json" \
-b tutorflow-admin.cookies \
-d '{"name":"external-content-test","rateLimitPerMinute":60}'
