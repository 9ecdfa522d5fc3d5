async function waitForContentJob(jobId) {
for (let attempt = 0; attempt < 60; attempt++) {
const response = await fetch(
`https://api.tutorflow.io/v1/content/integrations/expansions/${jobId}`,
{
headers: {
Authorization: `Bearer ${process.env.TUTORFLOW_CONTENT_API_KEY}`,
},
},
)
const job = await response.json()
if (job.status === 'completed' || job.status === 'failed') {
return job
}
await new Promise((resolve) => setTimeout(resolve, 3000))
}
throw new Error('Content job did not finish within the polling window')
}
