import { z } from 'zod';

const yearMonthPattern = /^\d{4}-(0[1-9]|1[0-2])$/;
export const usageQuery = z.object({
  year_month: z
    .string()
    .regex(yearMonthPattern, 'must be YYYY-MM')
    .optional()
    .describe('Default: this month (UTC)'),
});
export const historyQuery = z.object({
  months: z.coerce.number().int().min(1).max(24).default(6).describe('How many months, newest first (1–24)'),
});
const monthUsage = {
  year_month: z.string(),
  api_requests: z.number(),
  mcp_requests: z.number(),
  total_requests: z.number(),
};
export const usageResponse = z.object(monthUsage);
export const historyResponse = z.object({ history: z.array(z.object({ ...monthUsage, total: z.number() })) });
