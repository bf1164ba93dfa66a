/**
 * A small hand-written knowledge base and everyday questions phrased the way people ask them, mostly without
 * the documents' own words. Written for this project (no external data). Keyword search struggles here; the
 * embedding model should not. Used by bench/paraphrase.ts and by the hybrid-quality test.
 */
export interface ParaphraseDoc {
  key: string;
  title: string;
  content: string;
}

export const PARAPHRASE_DOCS: ParaphraseDoc[] = [
  {
    key: 'password',
    title: 'Resetting your login credentials',
    content:
      'If you can no longer sign in, open the account page and choose "Forgot password". A reset link is emailed to you and stays valid for one hour.',
  },
  {
    key: 'expenses',
    title: 'Expense reimbursement',
    content:
      'Submit receipts for travel, meals and equipment through the finance portal within thirty days. Approved claims are paid with the next salary run.',
  },
  {
    key: 'vacation',
    title: 'Annual leave policy',
    content:
      'Full-time staff receive twenty-five days of paid leave each year. Requests go to your manager at least two weeks ahead.',
  },
  {
    key: 'vpn',
    title: 'Remote network access',
    content:
      'To reach internal systems from home, install the WireGuard client and import the configuration file issued by IT.',
  },
  {
    key: 'printer',
    title: 'Office printing',
    content:
      'The printers on each floor accept jobs from the print queue named "office". Toner cartridges are kept in the supply room.',
  },
  {
    key: 'parking',
    title: 'Car park permits',
    content:
      'Staff may park in the basement garage with a permit from reception. Visitors use the spaces marked in blue.',
  },
  {
    key: 'onboarding',
    title: 'First week for new hires',
    content:
      'New colleagues get a laptop, a badge and a buddy on day one, and meet the team at the Friday lunch.',
  },
  {
    key: 'deploy',
    title: 'Releasing the web application',
    content:
      'Merge to the main branch, wait for the pipeline to turn green, then promote the build from staging to production in the dashboard.',
  },
  {
    key: 'incident',
    title: 'Handling outages',
    content:
      'When the service is down, page the on-call engineer, open an incident channel and post status updates every thirty minutes.',
  },
  {
    key: 'backup',
    title: 'Database backups',
    content:
      'Snapshots of every database are taken nightly and kept for thirty-five days; restores are rehearsed each quarter.',
  },
  {
    key: 'sick',
    title: 'Illness and absence',
    content:
      "If you are unwell, tell your manager before nine in the morning. From the fourth day a doctor's note is required.",
  },
  {
    key: 'coffee',
    title: 'Kitchen and coffee machine',
    content:
      'The espresso machine on the third floor is descaled every Monday. Please rinse your cup and leave the counter tidy.',
  },
  {
    key: 'security',
    title: 'Reporting phishing',
    content:
      'Forward suspicious emails to the security team and do not click any links. Never share one-time codes with anyone.',
  },
  {
    key: 'payroll',
    title: 'Salary payments',
    content:
      'Wages are transferred on the twenty-fifth of each month. Payslips are available in the HR portal.',
  },
  {
    key: 'meeting',
    title: 'Booking meeting rooms',
    content:
      'Rooms are reserved through the shared calendar; cancel bookings you no longer need so others can use the space.',
  },
  {
    key: 'laptop',
    title: 'Replacing broken equipment',
    content:
      'If your computer is damaged, file a hardware ticket; IT swaps the device within two working days.',
  },
  {
    key: 'gym',
    title: 'Fitness allowance',
    content: 'Employees can claim up to forty euros a month towards a sports club membership.',
  },
  {
    key: 'moving',
    title: 'Changing your home address',
    content: 'Update where you live in the HR portal so that tax documents and mail reach you.',
  },
  {
    key: 'training',
    title: 'Learning budget',
    content:
      'Each person has a yearly budget for courses, books and conferences; ask your lead to approve it.',
  },
  {
    key: 'badge',
    title: 'Lost access cards',
    content:
      'Report a missing badge to reception at once; it is blocked and a new one is printed the same day.',
  },
];

export const PARAPHRASE_QUESTIONS: { question: string; key: string }[] = [
  { question: 'I forgot how to get into my account', key: 'password' },
  { question: 'How do I get my money back for a business trip dinner?', key: 'expenses' },
  { question: 'How many holidays do I get?', key: 'vacation' },
  { question: 'Working from my house, how do I connect to the company systems?', key: 'vpn' },
  { question: 'Where can I leave my vehicle?', key: 'parking' },
  { question: 'What happens when somebody joins the company?', key: 'onboarding' },
  { question: 'How do we ship a new version of the site to customers?', key: 'deploy' },
  { question: 'The website is broken, what should I do?', key: 'incident' },
  { question: 'Can we recover data that was lost?', key: 'backup' },
  { question: 'I have the flu and cannot come in', key: 'sick' },
  { question: 'I got a strange message asking for my bank code', key: 'security' },
  { question: 'When do we get paid?', key: 'payroll' },
  { question: 'My notebook screen cracked', key: 'laptop' },
  { question: 'Does the company pay for the swimming pool?', key: 'gym' },
  { question: 'I relocated to a new flat', key: 'moving' },
  { question: 'Can I attend a workshop to improve my skills?', key: 'training' },
  { question: 'I cannot find my entry pass', key: 'badge' },
  { question: 'Where do I reserve a space for a discussion with colleagues?', key: 'meeting' },
  { question: 'How to reset my password', key: 'password' },
  { question: 'Who cleans the espresso maker?', key: 'coffee' },
];
