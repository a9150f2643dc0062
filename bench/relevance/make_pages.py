"""Write ``pages.json``: the pages of the relevance set, a company wiki of about 250 pages.

    .venv/bin/python bench/relevance/make_pages.py          # writes bench/relevance/pages.json

The company is Larkspur, with offices in Berlin (head office), London, Lisbon, Austin,
Toronto and Singapore. Its wiki holds what such a wiki holds: policies (some in an old and a
new version), how-tos and runbooks, post-mortems and lessons learned, decision records,
meeting notes, team pages, office pages and a glossary. Most pages are written out below;
families of similar pages (offices, glossary entries, team pages, meeting notes) come from
templates filled with facts of their own. The output is the same on every run.

Each page: ``title``, ``tags`` (list), ``author`` (a username of :data:`PEOPLE`), ``updated``
(``YYYY-MM-DD``, the day of its last change) and ``body`` (Markdown).

The pages are written so that searching them is hard in the ways real wikis are: acronyms
next to their expansions (PTO and paid time off), superseded and current policies, spelling
variants (Wi-Fi, wifi, WiFi; e-mail and email; on-call and oncall), British and American
spellings (organisation, colour, centre, licence, cheque, travelling), facts that only the
tags state, and near neighbours (onboarding and offboarding, wiki and Wi-Fi).
"""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

HERE = Path(__file__).resolve().parent

PEOPLE = {
    "amara": "Amara Okafor, accounts payable lead (Finance)",
    "bruno": "Bruno Keller, financial controller (Finance)",
    "chloe": "Chloé Martin, People team (HR)",
    "dmitri": "Dmitri Volkov, platform engineering and SRE",
    "erin": "Erin Walsh, IT helpdesk",
    "farah": "Farah Haddad, information security",
    "goran": "Goran Petrović, facilities (Berlin)",
    "hannah": "Hannah Reyes, office manager (Austin)",
    "ines": "Inês Duarte, legal and data protection",
    "jonas": "Jonas Berg, engineering manager",
    "kwame": "Kwame Mensah, sales operations",
    "lucia": "Lucía Romero, office manager (London and Lisbon)",
}
"""Usernames of the authors, with who they are."""

PAGES: list[dict] = []


def page(title: str, tags: str, author: str, updated: str, body: str) -> None:
    """Add a page; ``tags`` is comma-separated, as people type them in the editor."""
    assert author in PEOPLE, author
    assert "2019-01-01" <= updated <= "2026-11-30", updated
    PAGES.append(
        {
            "title": title,
            "tags": [tag.strip() for tag in tags.split(",") if tag.strip()],
            "author": author,
            "updated": updated,
            "body": dedent(body).strip() + "\n",
        }
    )


# ---------------------------------------------------------------------- policies

page(
    "Travel policy 2025",
    "travel, policy, finance",
    "bruno",
    "2025-02-03",
    """
    This policy applies to every business trip from 1 March 2025. It replaces the
    [[Travel policy (2021, superseded)]]. Questions go to the Finance team in #finance-help.

    ## Before you book

    Book flights, trains, hotels and rental cars through Voyago (see
    [[Travel booking with Voyago]]), never on a personal card unless Voyago cannot sell it.
    Every trip needs approval *before* it is booked; Voyago asks for it automatically:

    | estimated total cost of the trip | who approves |
    | --- | --- |
    | up to 1,500 EUR | your manager |
    | 1,500 to 5,000 EUR | your manager and the budget owner |
    | over 5,000 EUR | your director (directors: the CFO) |

    So any trip over 5,000 EUR needs director approval, whatever the budget. The estimate
    includes travel, hotel, per diems and conference fees.

    ## Getting there

    * Trains for journeys under four hours (Berlin-Hamburg, London-Paris, Lisbon-Porto).
    * Economy class for flights under six hours, premium economy above. Business class only
      with CFO approval, for medical reasons.
    * Rental cars: the smallest category that fits; fill the tank before returning it.

    ## Hotels and other accommodation

    Nightly limits for accommodation, breakfast included: Berlin 150 EUR, London 220 GBP, Lisbon 130 EUR,
    Austin 230 USD, Toronto 260 CAD, Singapore 300 SGD. Anything above needs your manager's
    written agreement in the booking.

    ## While travelling

    Per diems follow the German tax tables for each country and are paid with your next
    salary. You are insured on every approved trip: see [[Travel insurance]]. Keep receipts
    and claim anything else as described in [[How to submit an expense claim]].
    """,
)

page(
    "Travel policy (2021, superseded)",
    "travel, policy, archive",
    "bruno",
    "2021-03-15",
    """
    > **Superseded** on 1 March 2025 by [[Travel policy 2025]]. Kept for reference: trips
    > booked before that date were approved under these rules.

    ## Approval

    Trips are approved by email before booking. Up to 3,000 EUR your line manager approves;
    anything over 3,000 EUR needs director approval as well. Send the approval email to
    travel@larkspur.example together with the booking request.

    ## Booking

    All travelling is booked through FlyDesk, our travel agency until 2024. Flights in
    economy class only, whatever the distance. Hotels up to 120 EUR a night in Germany and
    180 GBP in London; elsewhere ask Finance first.

    ## Expenses on the road

    Meals are reimbursed against receipts up to 40 EUR a day. Taxis only when no public
    transport runs. Claims on the paper form within 60 days.
    """,
)

page(
    "Expense policy 2024",
    "expenses, policy, finance",
    "bruno",
    "2024-01-10",
    """
    What the company pays back, and how. Valid from January 2024; it replaces the
    [[Expense policy (2020, superseded)]].

    ## The rules

    1. Claim within 30 days of the expense, in Spendly ([[How to submit an expense claim]]).
    2. Every expense over 25 EUR needs a receipt; a photo of it is enough.
    3. Your manager approves every claim. Claims over 500 EUR are also approved by the
       financial controller.
    4. We pay approved claims with the next monthly salary.

    ## Meals with clients

    Client dinners and lunches: up to 80 EUR per person, drinks included. Write down the
    names and companies of the guests. Alcohol on its own (a bar bill) is not paid back.

    ## Mileage and transport

    Private car for business trips: 0.30 EUR per km. Taxis and ride-hailing when there is
    no reasonable public transport, or after 22:00.

    ## Not reimbursed

    Fines, upgrades you chose yourself, minibar, personal phone contracts, gym fees (see
    [[Gym membership discount]] for what we offer instead).
    """,
)

page(
    "Expense policy (2020, superseded)",
    "expenses, policy, archive",
    "bruno",
    "2020-06-01",
    """
    > **Superseded** by [[Expense policy 2024]] from 1 January 2024.

    Expenses are claimed on the paper form "Expense claim v3" with the original receipts
    stapled to it, within 60 days. Line managers sign every form. Claims over 1,000 EUR also
    need the signature of a director.

    Staff in the UK are reimbursed by cheque if they have no UK bank account on file;
    everyone else by bank transfer at the end of the month.

    Entertaining clients: up to 60 EUR per person. Mileage: 0.25 EUR per km.
    """,
)

page(
    "Annual leave policy",
    "leave, hr, policy",
    "chloe",
    "2025-01-06",
    """
    Applies to all employees from 1 January 2025. It replaces
    [[Holiday entitlement (2019, superseded)]].

    ## How much

    Everyone gets **28 days of paid time off a year**, plus the public holidays of the
    office they belong to ([[Public holidays 2025 by office]]). Part-time colleagues get the
    same share of 28 days as of a full week. In Austin and Toronto people usually call this
    vacation; it is the same allowance.

    In your first and last year the days are counted pro rata from your start or end date.

    ## Booking days off

    Ask your manager through the HR portal ([[Requesting time off in the HR portal]]). For a
    week or more, ask at least two weeks ahead; for a single day, a day's notice is fine.
    Managers answer within three working days.

    ## Carrying days over

    Up to five unused days move to the next year and must be taken by 31 March. Days beyond
    that lapse, unless your manager asked you in writing to postpone a holiday.

    ## Time off for other reasons

    Sickness: [[Sick leave]]. Having a baby: [[Parental leave policy]]. On-call work earns
    time off in lieu: [[On call pay and time off in lieu]].
    """,
)

page(
    "Holiday entitlement (2019, superseded)",
    "leave, hr, policy, archive",
    "chloe",
    "2019-04-02",
    """
    > **Superseded** by [[Annual leave policy]] on 1 January 2025.

    Full-time employees are entitled to 25 days of holiday a year, plus public holidays.
    After five years with the company the entitlement rises to 27 days. Holiday requests are
    made by email to your manager with the People team in copy. Up to three days may be
    carried over into the first quarter of the next year.
    """,
)

page(
    "Requesting time off in the HR portal",
    "leave, how-to, hr portal",
    "chloe",
    "2024-05-14",
    """
    How to request PTO, see your balance and cancel a request in Personio, our HR portal.

    1. Open Personio from the app launcher and sign in with SSO.
    2. Choose **Time off → New request**, then the type: *Paid time off (PTO)*, *Sick
       day*, *Parental leave* or *Unpaid leave*.
    3. Pick the days. Half days are possible. Public holidays are skipped automatically.
    4. Add a note for your manager if it helps, then **Send**.

    Your manager gets an email and a notification. Once approved, the days show in the team
    calendar. Remember to set an out-of-office reply ([[Out of office (OOO) etiquette]]).

    Your balance is under **Time off → Overview**: days left this year, carried-over days
    and days already booked. To cancel approved days, open the request and choose
    **Withdraw**; your manager is told.

    Trouble logging in? See [[Log-in issues with the HR portal]].
    """,
)

page(
    "Sick leave",
    "leave, hr, policy, health",
    "chloe",
    "2023-09-18",
    """
    If you are ill, tell your manager before 10:00 on your first day off, by phone or chat,
    and record a *Sick day* in the HR portal. You do not have to say what is wrong.

    * From the fourth calendar day of illness we need a doctor's note (in Germany the
      electronic certificate, eAU, reaches us automatically).
    * Full pay continues for six weeks per illness; after that your health insurer pays
      sick pay (Germany) or statutory sick pay applies (UK).
    * A sick child: up to 10 days a year per child at full pay.

    Coming back after a long illness: your manager and the People team will plan a gradual
    return with you.
    """,
)

page(
    "Parental leave policy",
    "leave, hr, policy, family",
    "chloe",
    "2024-08-19",
    """
    Larkspur tops up statutory parental pay in every country so that nobody loses income
    around the birth or adoption of a child.

    ## Primary carer

    20 weeks at full pay, then up to 32 further weeks at statutory pay. Maternity leave
    rules of your country apply on top where they are more generous.

    ## Second parent

    6 weeks at full pay, to be taken within a year of the birth or adoption (paternity leave
    and partner leave in other words). They can be split into blocks of at least a week.

    ## Telling us

    Tell your manager and the People team at least 15 weeks before the expected date, or as
    soon as you can for an adoption. Book the leave in the HR portal as *Parental leave*.
    Keeping-in-touch days (up to 10) are paid and voluntary.

    Coming back part-time is possible for up to two years; we agree the hours with you
    before you return.
    """,
)

page(
    "Out of office (OOO) etiquette",
    "leave, communication",
    "chloe",
    "2022-07-11",
    """
    When you are away for a day or more:

    * Set an automatic reply in Outlook saying when you are back and who covers for you.
      Keep it short; no personal details.
    * Block the days in your calendar as *Out of office* so meetings are declined for you.
    * Set your chat status to OOO with the date you return.
    * Hand over anything urgent to the person covering, in writing.

    Do not read work email on holiday. If something cannot wait, your manager will call.
    """,
)

page(
    "Remote work policy 2025",
    "remote work, policy, hr",
    "chloe",
    "2025-03-03",
    """
    From April 2025 we work in a hybrid pattern. This replaces
    [[Remote work during the pandemic (2020, superseded)]].

    ## Office days

    **Tuesdays and Wednesdays are office days** for everyone who lives within 50 km of a
    Larkspur office: that is when teams meet, plan and eat together. On the other three
    days, Mondays, Thursdays and Fridays, you may work from home or anywhere else in your
    country of employment, as your work allows.

    Teams may agree on a third office day among themselves; nobody is asked to come in on a
    Friday.

    ## Equipment at home

    You get a monitor, keyboard, mouse and headset for home (order them as described in
    [[Ordering a new laptop or monitor]]) and 25 EUR a month towards internet costs.

    ## Security

    Use the VPN for internal systems ([[VPN setup on macOS]], [[VPN setup on Windows]]),
    lock your screen when you leave it, and keep customer documents off shared family
    computers.

    Working from another country: [[Working from abroad]].
    """,
)

page(
    "Remote work during the pandemic (2020, superseded)",
    "remote work, policy, archive",
    "chloe",
    "2020-03-16",
    """
    > **Superseded** by [[Remote work policy 2025]].

    From Tuesday 17 March 2020 all offices are closed and everyone works from home until
    further notice. Take your monitor home if you need it (sign it out with facilities).
    Stand-ups move to video calls. Managers check in with each person on their team at
    least twice a week.

    Update June 2021: offices reopen on a voluntary basis, at most 30 % of desks.
    """,
)

page(
    "Working from abroad",
    "remote work, hr, tax",
    "chloe",
    "2023-06-26",
    """
    You may work from another country for up to 20 working days a year, on top of holidays,
    if your manager agrees and the People team has checked the country (tax and social
    security rules differ; some countries are never possible for us).

    Ask at least four weeks ahead through the HR portal form *Temporary work abroad*. Take
    your company laptop, keep using the VPN, and do not work with customer data from a
    country outside the EU/EEA, the UK, the US and Canada.
    """,
)

page(
    "Information security policy",
    "security, policy",
    "farah",
    "2024-04-22",
    """
    The rules that keep our customers' data and our own safe. Everyone signs it when they
    join and again every year.

    ## Accounts

    * One person, one account. Never share passwords; use the password manager
      (see [[Password policy]]).
    * Multi-factor authentication on every account that offers it
      ([[Two-factor authentication (2FA) setup]]).

    ## Devices

    * Company laptops are encrypted and managed; do not switch that off
      ([[Laptop encryption (FileVault and BitLocker)]]).
    * Lock your screen whenever you leave your desk.
    * Report a lost or stolen device at once: [[Lost or stolen laptop]].

    ## Data

    Classify documents as public, internal, confidential or strictly confidential, and
    share them accordingly. Customer data stays in approved systems; keeping it longer than
    allowed breaks the [[Data retention policy]].

    ## Incidents

    Anything suspicious, report to security@larkspur.example or #security. See
    [[Security incident response]] and [[Reporting a phishing email]].
    """,
)

page(
    "Password policy",
    "security, passwords, policy",
    "farah",
    "2023-05-08",
    """
    * At least 14 characters; a passphrase of four or five random words is best.
    * A different password for every system. Keep them in 1Password (every employee has a
      company account).
    * We do not force changes every 90 days any more. Change a password when you suspect
      that someone else knows it, and tell security.
    * Multi-factor authentication is required for email, SSO, the VPN and every admin
      account.
    * Never send a password by email or chat; share through a 1Password vault.

    Forgot yours? [[How to reset your password]].
    """,
)

page(
    "Acceptable use policy",
    "security, policy, it",
    "farah",
    "2022-03-14",
    """
    Company computers, phones and accounts are for work. Occasional private use (a bank
    transfer, a personal email) is fine as long as it does not get in the way of your work
    or break the law.

    Not allowed: installing software from outside the Self Service catalogue without IT's
    agreement, disabling the antivirus, using personal cloud storage for company files,
    crypto mining, and anything you would not want to explain to your manager.

    We do not read your email or browsing history, except to investigate a security
    incident, with the works council informed.
    """,
)

page(
    "Data retention policy",
    "data retention, legal, gdpr, policy",
    "ines",
    "2024-06-17",
    """
    How long we keep information, and when it must be deleted. Replaces the
    [[Data retention schedule (2019, superseded)]].

    ## Retention periods

    | information | kept for | then |
    | --- | --- | --- |
    | customer contracts and account data | the contract term + 6 years | deleted |
    | invoices and accounting records | 10 years (German commercial law) | deleted |
    | customer support tickets | 3 years after closing | anonymised |
    | CVs of applicants not hired | 6 months after the decision | deleted |
    | personnel files | 3 years after someone leaves | deleted, except payroll (10 years) |
    | server and application logs | 90 days | deleted |
    | email | 3 years | archived, then deleted after 7 |
    | backups | 35 days | overwritten |

    ## Who does what

    Each system has an owner who makes sure the deletion really happens (automated where
    possible). Legal holds stop deletion: the legal team tells owners when one applies.

    Requests from people to see or delete their personal data go through
    [[Subject access requests]].
    """,
)

page(
    "Data retention schedule (2019, superseded)",
    "data retention, legal, archive",
    "ines",
    "2019-10-01",
    """
    > **Superseded** by [[Data retention policy]] (June 2024).

    Customer records: 10 years after the end of the contract. Applications: 12 months.
    Log files: 1 year. Email: no limit. Paper records are shredded by the facilities team
    twice a year.
    """,
)

page(
    "Clean desk policy",
    "security, policy, facilities",
    "farah",
    "2021-09-06",
    """
    At the end of the day nothing confidential stays on your desk: lock papers in your
    pedestal, put printouts you no longer need in the grey shredding bins, wipe the
    whiteboards in meeting rooms. Laptops go home with you or into a locker. The cleaners
    are told to leave anything on desks untouched, so do not count on them.
    """,
)

page(
    "Bring your own device (BYOD)",
    "security, policy, mobile",
    "farah",
    "2023-03-20",
    """
    You may read work email and chat on your own phone if the phone:

    * runs a supported operating system version (the two latest major versions of iOS or
      Android);
    * is enrolled in Intune through the Company Portal app (only the work profile is
      managed; we cannot see your photos or messages);
    * has a screen lock with a PIN of at least six digits or biometrics.

    Personal laptops may not be used for work, except for the web version of email and
    chat. If your phone is lost, tell IT: we wipe the work profile only.
    """,
)

page(
    "Gifts and hospitality policy",
    "legal, compliance, policy",
    "ines",
    "2022-05-30",
    """
    Gifts and invitations from suppliers, customers or anyone hoping to do business with us
    must be declared in the gifts register if they are worth more than 50 EUR. Never accept
    cash, vouchers or anything while a tender is open. Offering gifts follows the same
    limits; invitations to public officials need legal's approval first.
    """,
)

page(
    "Company car policy",
    "cars, policy, finance",
    "bruno",
    "2020-01-20",
    """
    Company cars are offered to sales staff who drive more than 20,000 km a year for work.
    The lease runs for three years; electric or plug-in hybrid cars only since 2020. The
    taxable benefit is calculated by payroll. Private use is allowed within your country;
    fuel or charging for private trips abroad you pay yourself.
    """,
)

page(
    "Code of conduct",
    "culture, hr, policy",
    "chloe",
    "2021-02-01",
    """
    We treat each other, our customers and our partners with respect. Harassment,
    discrimination and bullying are not tolerated, at work, at company events or online.

    If something happens to you or you see it happen, talk to your manager, the People
    team or any member of the leadership team, or use the anonymous channel described in
    [[Whistleblowing procedure]]. Nobody is penalised for raising a concern in good faith.
    """,
)

page(
    "Whistleblowing procedure",
    "legal, compliance",
    "ines",
    "2023-07-03",
    """
    Concerns about fraud, bribery, safety or other breaches of law can be reported
    anonymously through the reporting portal run by an outside ombudsperson. Reports are
    acknowledged within seven days and answered within three months. Retaliation against
    anyone who reports in good faith is itself a breach of our code of conduct.
    """,
)


# ---------------------------------------------------------------------- IT how-tos

page(
    "VPN setup on macOS",
    "vpn, how-to, macos, remote work",
    "erin",
    "2024-09-09",
    """
    We use WireGuard for the VPN since 2021. You need it for the finance systems, the HR
    portal's admin pages and everything under `*.internal.larkspur.example`.

    1. Open **Self Service** (the Larkspur app in your Dock) and install *WireGuard*.
    2. Go to https://vpn.larkspur.example, sign in with SSO and click **Download my
       profile**. Each laptop gets its own profile; do not copy it to another machine.
    3. In WireGuard, choose **Import tunnel(s) from file** and pick the downloaded
       `larkspur-<your name>.conf`.
    4. macOS asks to allow a VPN configuration: click **Allow** and enter your laptop
       password.
    5. Switch the tunnel on from the menu bar icon. It stays on across restarts.

    Check it works: https://status.internal.larkspur.example should show a green page.
    Problems: [[VPN troubleshooting]].
    """,
)

page(
    "VPN setup on Windows",
    "vpn, how-to, windows, remote work",
    "erin",
    "2024-09-12",
    """
    For Windows 11 laptops managed by IT. (Mac users: [[VPN setup on macOS]].)

    1. Open the **Company Portal** app, find *WireGuard* and click **Install**.
    2. Download your personal tunnel profile from https://vpn.larkspur.example (sign in
       with SSO, **Download my profile**).
    3. Start WireGuard from the Start menu, click **Add Tunnel → Import tunnel(s) from
       file** and pick the profile.
    4. Click **Activate**. Windows may ask whether WireGuard may make changes: yes.
    5. To connect automatically, tick *Start on boot* in WireGuard's settings.

    If the Company Portal does not list WireGuard, your laptop has not finished enrolling:
    restart it once and wait ten minutes. Still stuck? [[VPN troubleshooting]].
    """,
)

page(
    "VPN setup on Linux",
    "vpn, how-to, linux",
    "dmitri",
    "2024-10-01",
    """
    Linux laptops are self-managed, so this is the manual version.

    ```sh
    sudo apt install wireguard-tools resolvconf
    sudo install -m 600 ~/Downloads/larkspur-*.conf /etc/wireguard/larkspur.conf
    sudo systemctl enable --now wg-quick@larkspur
    ```

    Get the profile from https://vpn.larkspur.example (SSO, **Download my profile**). The
    profile sets our internal DNS servers; without `resolvconf` names like
    `grafana.internal.larkspur.example` will not resolve. NetworkManager users can import
    the file instead: `nmcli connection import type wireguard file larkspur.conf`.

    See also [[VPN troubleshooting]].
    """,
)

page(
    "VPN troubleshooting",
    "vpn, troubleshooting, it",
    "erin",
    "2026-02-09",
    """
    Most VPN problems are one of these.

    ## The tunnel is on but nothing internal loads

    Usually DNS. Switch the tunnel off and on. If internal names still do not resolve,
    check that nothing else (a hotel captive portal, another VPN for a customer) changed
    your DNS settings.

    ## Connection problems on hotel or train networks

    Some networks block UDP. Open the captive portal page first (any http page), then
    connect. If it still fails, use your phone as a hotspot.

    ## "Handshake did not complete"

    Your profile was revoked (new laptop, or you were away more than 90 days). Download a
    new one from https://vpn.larkspur.example.

    ## Slow connection

    Only internal traffic goes through the tunnel; video calls do not. If internal tools
    are slow for everyone, check #it-status before opening a ticket.

    Still stuck: open a ticket at https://help.larkspur.example with the time it failed.
    """,
)

page(
    "Cisco AnyConnect VPN (retired 2021)",
    "vpn, archive, it",
    "erin",
    "2019-05-13",
    """
    > Retired in June 2021 when we moved to WireGuard: see [[VPN setup on macOS]] and
    > [[VPN setup on Windows]].

    Install AnyConnect from the software centre (Windows) or the download page (macOS),
    connect to `gw.larkspur.example` and log in with your network password and the code
    from your token. The connection drops after 12 hours; reconnect.
    """,
)

page(
    "How to reset your password",
    "passwords, how-to, sso, accounts",
    "erin",
    "2024-03-04",
    """
    Your Larkspur password is your single sign-on (SSO) password: the same one opens email,
    chat, the HR portal and everything else behind the Okta login.

    ## You remember the old password

    Go to https://id.larkspur.example, click your name → **Settings → Change password**.

    ## You forgot it

    1. On the sign-in page click **Forgot password?**
    2. Enter your work email. Okta sends a reset link to your personal phone number (the
       one in the HR portal) by text message.
    3. Choose a new password of at least 14 characters ([[Password policy]]).
    4. Your laptop keeps the old password until it next reaches the office network or the
       VPN: connect to the VPN and lock/unlock your screen once.

    ## Locked out

    After 10 wrong attempts the account locks for 30 minutes. If you cannot wait, or the
    reset text never arrives, call the IT helpdesk on +49 30 5550 4357 (extension 4357 from
    an office phone). They will check who you are over video first.
    """,
)

page(
    "Resetting a user's password (helpdesk runbook)",
    "helpdesk, runbook, passwords",
    "erin",
    "2023-07-24",
    """
    For IT helpdesk staff only.

    1. **Verify identity** on a video call: the person shows their face and their badge or
       ID. Never reset on a phone call alone, and never for someone asking for a colleague.
    2. In the Okta admin console, open the user → **Reset password** → *Send reset link to
       phone*. Only if their phone is lost: **Set temporary password**, read it out on the
       call, and tick *User must change at next sign-in*.
    3. If the account was locked by failed attempts, check the system log for the source
       addresses. Many attempts from abroad: escalate to security as a possible attack.
    4. Close the ticket with how you verified the person.
    """,
)

page(
    "Two-factor authentication (2FA) setup",
    "security, sso, how-to",
    "farah",
    "2023-02-13",
    """
    Every account needs a second factor. We recommend Okta Verify push notifications; a
    security key (YubiKey) is even better and IT hands them out on request.

    1. Install **Okta Verify** on your phone.
    2. At https://id.larkspur.example go to **Settings → Security methods → Set up** next
       to Okta Verify and scan the QR code.
    3. Add a second method as a backup (a security key or the code generator).

    New phone? Set up the new one *before* wiping the old one. Lost your phone: call the
    IT helpdesk, who will remove the old device after checking who you are.
    """,
)

page(
    "Single sign-on (SSO) with Okta",
    "sso, security, it",
    "farah",
    "2022-11-28",
    """
    Since 2022 almost every application signs you in through Okta: one password, one second
    factor. Your dashboard at https://id.larkspur.example lists the apps you have.

    New applications must support SAML or OpenID Connect to be bought (see
    [[Decision: adopt Okta for single sign-on]]). Ask for access to an app through the
    request form on the dashboard; the app's owner approves.

    Sessions last 12 hours in the office and 8 hours elsewhere.
    """,
)

page(
    "Login problems: a checklist",
    "sso, troubleshooting, it",
    "erin",
    "2026-06-15",
    """
    Cannot get into something? Before opening a ticket:

    - [ ] Is the login page really https://id.larkspur.example? Phishing pages look alike.
    - [ ] Caps Lock, keyboard layout (German keyboards swap Y and Z).
    - [ ] Does the login work in a private browser window? Then clear cookies for the site.
    - [ ] Is your account locked? Wait 30 minutes or see [[How to reset your password]].
    - [ ] No push notification? Open Okta Verify by hand and pull to refresh.
    - [ ] Is it only one app? You may not have been given access: request it on the
          dashboard.

    Still failing: send the helpdesk a screenshot of the error and the time.
    """,
)

page(
    "Log-in issues with the HR portal",
    "hr portal, troubleshooting",
    "chloe",
    "2023-01-16",
    """
    Personio uses single sign-on. If you see "No account found for this e-mail", your
    account was not created yet (normal in your first two days): the People team creates it
    on your start date. If you can log in to everything else but not to the HR portal, the
    SSO assignment is missing: write to people@larkspur.example.

    Former employees cannot log in any more; their payslips are sent by post on request.
    """,
)

page(
    "Email setup on your phone",
    "email, how-to, mobile",
    "erin",
    "2024-06-03",
    """
    Use the **Outlook** app on iPhone or Android; the built-in mail apps are blocked.

    1. Enrol your phone first: [[Bring your own device (BYOD)]] (company phones are
       enrolled already).
    2. Install Outlook from the App Store / Google Play (or the work profile's Play Store).
    3. Open it, enter your work email address, and sign in through Okta with your password
       and Okta Verify.
    4. Allow notifications if you want them. Calendars and contacts sync too.

    Shared mailboxes appear after a day; see [[Shared mailboxes]].
    """,
)

page(
    "E-mail setup in Thunderbird (Linux)",
    "email, how-to, linux",
    "dmitri",
    "2021-08-23",
    """
    Outlook does not run on Linux; Thunderbird works well with our Microsoft 365 e-mail.

    1. Install Thunderbird 115 or later from your distribution.
    2. Add an account with your work e-mail address; leave the password empty.
    3. Thunderbird detects Microsoft 365 and opens the Okta login (OAuth2). Sign in as
       usual.
    4. For the calendar, add the *TbSync* and *Provider for Exchange ActiveSync* add-ons.

    IMAP and SMTP settings if you need them by hand: `outlook.office365.com` port 993 and
    `smtp.office365.com` port 587, authentication OAuth2.
    """,
)

page(
    "Setting up mail on a new laptop",
    "email, how-to, laptops",
    "erin",
    "2020-02-10",
    """
    New laptops come with Outlook installed. The first time you open it:

    1. It offers your work address automatically; confirm it.
    2. Sign in with your network password. Your mailbox downloads in the background: large
       mailboxes can take an hour on the office network.
    3. Add your signature ([[Email signature guidelines]]).

    Archive folders from an old laptop (`.pst` files) can be copied over by the helpdesk.
    """,
)

page(
    "Email signature guidelines",
    "email, brand, communication",
    "kwame",
    "2022-04-04",
    """
    Keep email signatures plain and the same for everyone: name, job title, Larkspur, phone
    number (optional), and pronouns if you like. No quotes, no images except the small logo
    from the brand kit, no legal disclaimers (the footer is added by the mail server). Sales
    may add a booking link for meetings.
    """,
)

page(
    "Shared mailboxes",
    "email, it",
    "erin",
    "2023-10-30",
    """
    Team addresses such as invoices@, people@ or support@ are shared mailboxes, not
    distribution lists: everyone with access sees the same inbox. Ask for access with a
    helpdesk ticket; the mailbox owner approves. They appear in Outlook by themselves within
    a day. When you reply, choose the shared address in the *From* field.
    """,
)

page(
    "Reporting a phishing email",
    "security, phishing, email",
    "farah",
    "2024-10-14",
    """
    Suspicious message? Click **Report phishing** in Outlook (the shield button). That sends
    it to the security team and removes it from your inbox. Do not forward it, and do not
    click the links to "check".

    If you already clicked a link or entered your password: change your password at once
    ([[How to reset your password]]) and call the IT helpdesk. It is never your fault for
    reporting late; it is a problem only if you do not report at all.
    """,
)

page(
    "Lost or stolen laptop",
    "security, laptops, incident",
    "farah",
    "2023-08-28",
    """
    If your laptop (or company phone) is lost or stolen:

    1. **Call the IT helpdesk within the hour**: +49 30 5550 4357, day and night. They lock
       the device remotely and end your sessions.
    2. Report a theft to the police and send the report number to IT.
    3. Change your password from another device.

    Company laptops are encrypted, so the data on them is safe if the laptop was switched
    off or locked. You get a replacement within two working days. Nobody pays for a stolen
    laptop unless it was left visible in a car (see [[Incident review: laptop stolen from a car]]).
    """,
)

page(
    "Laptop encryption (FileVault and BitLocker)",
    "security, laptops",
    "farah",
    "2022-06-20",
    """
    All company laptops have full-disk encryption: FileVault on macOS, BitLocker on Windows,
    LUKS on Linux (set it up when you install). Managed laptops report their encryption
    status to Intune or Jamf every day; a laptop that reports "not encrypted" loses access to
    email within 24 hours.

    Recovery keys are escrowed with IT. If your laptop asks for one after a firmware update,
    call the helpdesk.
    """,
)

page(
    "Software licence requests",
    "software, it, purchasing",
    "erin",
    "2023-04-17",
    """
    Need a paid tool? Check the Self Service catalogue first: many licences are already
    bought. Otherwise raise a software licence request on the helpdesk portal with the
    tool, the number of seats, the yearly cost and who approves the budget. IT checks
    security and data protection (about a week), then Finance buys it.

    Free tools still need a request if they store company data.
    """,
)

page(
    "Open source license compliance",
    "legal, engineering, open source",
    "ines",
    "2024-02-26",
    """
    Engineers may use open source libraries under permissive licenses (MIT, BSD, Apache 2.0)
    without asking. Copyleft licenses (GPL, AGPL) need legal's review before they go into
    anything we ship to customers. The license scanner in CI flags new dependencies; a red
    check means someone from legal or the platform team must look at it before the merge.
    """,
)

page(
    "Ordering a new laptop or monitor",
    "hardware, how-to, it",
    "erin",
    "2024-07-01",
    """
    Laptops, monitors, keyboards, mice, headsets and docking stations are ordered through
    the helpdesk portal (**Request something → Equipment**). Standard items arrive in a week
    in Berlin and London, two weeks elsewhere. Anything outside the catalogue needs your
    manager's approval in the request.

    For home you can order one monitor, a keyboard, a mouse and a headset
    ([[Remote work policy 2025]]).
    """,
)

page(
    "Laptop refresh cycle",
    "hardware, it, laptops",
    "erin",
    "2022-01-24",
    """
    Laptops are replaced after four years, or three for engineers who build code locally.
    IT emails you two months before your date. The old laptop is wiped and either reused
    for interns or sold to employees at a fixed price. Broken before then: the warranty
    covers repairs; open a helpdesk ticket.
    """,
)

page(
    "Backup policy",
    "backups, security, policy",
    "farah",
    "2021-09-27",
    """
    Every production system is backed up following the 3-2-1 rule: three copies, on two
    kinds of storage, one of them off site (a second cloud region). Backups are encrypted,
    kept for 35 days ([[Data retention policy]]) and tested by restoring them every quarter
    ([[Restoring a database from backup]]). Laptops are not backed up centrally; keep your
    files in OneDrive.
    """,
)

page(
    "Database backups",
    "backups, database, runbook, platform",
    "dmitri",
    "2023-10-02",
    """
    How our PostgreSQL databases are backed up.

    * Continuous WAL archiving to object storage in a second region, plus a full base
      backup every night at 01:30 UTC (pgBackRest).
    * Backups are kept for 35 days.
    * The `backup-age` alert fires when the latest base backup is older than 26 hours.

    To check the state of a cluster: `pgbackrest --stanza=<cluster> info`. To restore, see
    [[Restoring a database from backup]].
    """,
)

page(
    "Restoring a database from backup",
    "backups, database, runbook, platform",
    "dmitri",
    "2024-02-05",
    """
    Restore into a **new** cluster, never over the running one.

    1. Create a new instance from the `pg-restore` template.
    2. `pgbackrest --stanza=<cluster> --type=time "--target=2024-02-01 13:37:00+00" restore`
       for a point in time, or without `--type` for the latest state.
    3. Start PostgreSQL, check row counts of the main tables against the monitoring
       dashboard, then point the application at it (change the DNS record, not the config).

    A full restore of the main customer database takes about 40 minutes. We rehearse this
    every quarter; the first rehearsal did not go well, see
    [[Post-mortem: backup restore failed during the 2023 test]].
    """,
)

page(
    "Laptop backups",
    "backups, laptops, how-to",
    "erin",
    "2022-04-25",
    """
    Keep your work files in OneDrive: it syncs continuously and keeps old versions for 90
    days, so a lost or broken laptop loses nothing. Desktop and Documents are redirected to
    OneDrive on new laptops.

    Mac users who want more can use Time Machine with an encrypted external disk (ask the
    helpdesk for one). Do not back up to personal cloud accounts.
    """,
)

page(
    "Adding a printer on macOS",
    "printing, how-to, macos",
    "erin",
    "2023-03-27",
    """
    Office printers use follow-me printing: you print to one queue, then release the job at
    any printer by holding your badge to it.

    1. Open **Self Service** and install *Larkspur printing*.
    2. In any app choose **Print** and pick the printer *Larkspur-FollowMe*.
    3. Walk to any office printer and hold your badge to the reader.

    Jobs not released within 24 hours are deleted. Windows laptops have the queue already.
    """,
)

page(
    "Printer troubleshooting",
    "printing, troubleshooting, it",
    "erin",
    "2021-11-15",
    """
    * **Job does not appear at the printer**: check that you printed to *Larkspur-FollowMe*,
      not to a printer found on the network.
    * **Badge not recognised**: register it once at the printer with your SSO login.
    * **Paper jam**: follow the pictures on the printer's screen. Do not pull paper out of
      the fuser.
    * **Out of toner**: spare cartridges are in the supply cupboard; tell facilities when
      you take the last one.
    """,
)


# ---------------------------------------------------------------------- engineering runbooks

page(
    "On-call rotation (platform team)",
    "on-call, platform, runbook",
    "dmitri",
    "2024-05-27",
    """
    The platform team keeps one engineer on call around the clock, plus a secondary.

    ## The rotation

    * Shifts run a week, **Monday 10:00 to Monday 10:00** Berlin time. The handover is a
      15-minute call: open incidents, flaky alerts, planned changes.
    * The schedule lives in PagerDuty (*Platform primary*, *Platform secondary*). Swap
      shifts there yourself and tell the team in #platform.
    * Nobody is on call more than one week in four, and never in their first two months.

    ## When you are paged

    Acknowledge within 5 minutes, then follow the alert's runbook link. If you need help,
    page the secondary; for customer-facing outages follow
    [[Escalation policy for production incidents]].

    Pay and time off for on-call weeks: [[On call pay and time off in lieu]].
    """,
)

page(
    "Oncall handbook for SREs",
    "oncall, sre, platform",
    "dmitri",
    "2022-09-12",
    """
    Practical advice for your oncall week, collected from everyone who has done it.

    * Before the week: check your laptop charger, your phone's do-not-disturb exceptions
      for PagerDuty, and that you can reach the VPN from home.
    * Keep the laptop with you; if you go somewhere without signal, hand over to the
      secondary for those hours.
    * Write down every page in the oncall log, even the ones that resolved themselves. Noisy
      alerts get fixed only when someone counts them.
    * After a real incident, write a postmortem within five working days (use the template
      on [[Post-mortem template]]).
    * You are not expected to do project work during an oncall week.
    """,
)

page(
    "On call pay and time off in lieu",
    "on-call, pay, hr",
    "chloe",
    "2023-06-05",
    """
    Being on call is paid whether or not you are called:

    * 40 EUR for each weekday night, 80 EUR for each weekend day or public holiday;
    * time actually worked outside office hours is paid at 150 %, or taken as time off in
      lieu (TOIL) at 1.5 hours per hour worked, your choice each month.

    Record the hours in the HR portal under *On-call*; your manager approves them with the
    monthly timesheet.
    """,
)

page(
    "Escalation policy for production incidents",
    "incident, on-call, platform, runbook",
    "dmitri",
    "2024-01-15",
    """
    What to do when production is down or badly degraded, at any hour.

    1. The **primary on-call engineer** is paged by PagerDuty. Anyone who notices an outage
       first can page them with `/pd trigger` in chat or by calling +49 30 5550 9111.
    2. No acknowledgement within 15 minutes: PagerDuty pages the **secondary**.
    3. No acknowledgement within 30 minutes, or the outage affects all customers: the
       **head of platform** (currently Dmitri Volkov) is called, then the CTO.
    4. The first responder opens an incident channel `#inc-<date>-<name>` and posts updates
       every 30 minutes; support publishes the status page.

    Severity 1 (customers cannot log in or lose data): wake people up. Severity 2 (a feature
    is broken): fix it in working hours unless it gets worse.
    """,
)

page(
    "Oncall rotation (data team, 2020, superseded)",
    "oncall, data, archive",
    "dmitri",
    "2020-07-06",
    """
    > **Superseded**: the data team joined the platform rotation in 2022, see
    > [[On-call rotation (platform team)]].

    The data team kept a business-hours oncall only: one person a week watched the nightly
    ETL jobs and answered #data-help. Failed jobs were rerun the next morning.
    """,
)

page(
    "Deploying the customer portal",
    "deploy, runbook, engineering",
    "jonas",
    "2026-07-06",
    """
    The customer portal deploys from `main` through GitHub Actions and Argo CD.

    1. Merge your pull request; CI builds the image and deploys it to **staging** within
       ten minutes.
    2. Check staging (smoke tests run by themselves; look at the `portal-staging`
       dashboard).
    3. Promote to production with the **Promote** button in Argo CD, or `make promote`.
       Production rolls out one pod at a time; the rollout pauses if the error rate rises.
    4. Announce it in #deploys with the change and the version.

    No deploys on Fridays after 15:00, or during a freeze ([[Deploy freeze calendar 2026]]).
    If it goes wrong: [[Rolling back a bad deploy]].
    """,
)

page(
    "Rolling back a bad deploy",
    "deploy, rollback, runbook, platform",
    "dmitri",
    "2024-11-04",
    """
    If a release breaks production, roll back first and debug later.

    * In Argo CD, open the application, **History and rollback**, pick the previous healthy
      revision and **Rollback**. It takes about three minutes.
    * Or from a terminal: `argocd app rollback portal-prod <id>`.
    * Database migrations do not roll back by themselves. Our migrations are
      backward-compatible by rule (expand, then contract), so the previous version runs on
      the new schema.

    Then pause auto-sync, tell #deploys, and open an incident if customers noticed.
    """,
)

page(
    "Deploy freeze calendar 2025",
    "deploy, engineering, calendar",
    "jonas",
    "2024-11-25",
    """
    No production deploys, except fixes approved by the head of engineering, during:

    * 19 December 2024 to 6 January 2025 (holidays);
    * 28-31 March 2025 (quarter-end billing run);
    * 25-30 June 2025, 26-30 September 2025 (quarter ends);
    * 18 December 2025 to 5 January 2026.

    Staging deploys continue as normal.
    """,
)

page(
    "Release checklist",
    "deploy, engineering, checklist",
    "jonas",
    "2023-03-06",
    """
    - [ ] Changelog entry written for customer-visible changes
    - [ ] Feature flag created for anything risky ([[Feature flags]])
    - [ ] Migrations are backward-compatible
    - [ ] Dashboards and alerts for the new feature exist
    - [ ] Support has been told what changes
    - [ ] Deploy outside a freeze ([[Deploy freeze calendar 2025]])
    """,
)

page(
    "Feature flags",
    "engineering, deploy",
    "jonas",
    "2022-08-29",
    """
    We use Unleash for feature flags. Name flags `team.feature-name`, give each an owner and
    an end date, and remove the flag from the code within a month of rolling it out to
    everyone. Flags that are older than six months show up in the weekly engineering report.
    """,
)

page(
    "Post-mortem template",
    "post-mortem, template, engineering",
    "dmitri",
    "2022-05-16",
    """
    Copy this page for a new post-mortem. Blameless: describe what the system and the
    process allowed, not who made a mistake.

    ## Summary

    What happened, for how long, who was affected, in three sentences.

    ## Timeline

    Times in UTC, from the first sign to the all-clear.

    ## Root cause

    Ask "why" until you reach something we can change.

    ## What went well / what went badly

    ## Actions

    | action | owner | due |
    | --- | --- | --- |
    """,
)


# ---------------------------------------------------------------------- people: joining and leaving

page(
    "Onboarding checklist for new hires",
    "onboarding, hr, checklist",
    "chloe",
    "2026-05-04",
    """
    What happens in a new colleague's first days, and who does it.

    ## Before day one (People team and manager)

    - [ ] Contract signed, HR portal account created for the start date
    - [ ] Laptop ordered ([[IT setup for new starters]])
    - [ ] Buddy chosen ([[Onboarding buddy programme]])
    - [ ] First week's calendar sent

    ## Day one

    - [ ] Welcome at reception at 09:30, badge and office tour
    - [ ] Laptop handed over; SSO and 2FA set up with IT
    - [ ] Lunch with the team

    ## First week

    - [ ] Security and data protection training (mandatory)
    - [ ] Meet the buddy, read the [[Code of conduct]]
    - [ ] One-to-one with the manager: goals for the first 90 days

    Engineers also follow [[Engineering onboarding: the first two weeks]].
    """,
)

page(
    "Engineering onboarding: the first two weeks",
    "onboarding, engineering",
    "jonas",
    "2025-01-13",
    """
    On top of the general [[Onboarding checklist for new hires]]:

    * **Day 1-2**: get access to GitHub, the VPN ([[VPN setup on macOS]]) and the staging
      cluster; clone the monorepo and run the tests.
    * **Day 3**: architecture tour with a senior engineer; read the decision records.
    * **Week 1**: ship a small change to production with your buddy
      ([[Deploying the customer portal]]).
    * **Week 2**: shadow the on-call engineer for a day (you will not join the rotation for
      two months).
    """,
)

page(
    "Manager's checklist before a new starter arrives",
    "onboarding, managers, checklist",
    "chloe",
    "2023-04-11",
    """
    Two weeks before:

    - [ ] Tell the team who is joining and when
    - [ ] Order equipment and accounts (the People team triggers the IT ticket)
    - [ ] Pick an onboarding buddy and block an hour a week for them
    - [ ] Prepare a first small task that can be finished in week one

    On the first day, be there in person. Plan the 30/60/90-day check-ins in the calendar.
    """,
)

page(
    "Onboarding buddy programme",
    "onboarding, culture",
    "chloe",
    "2022-02-21",
    """
    Every new colleague gets a buddy from another team for their first three months: someone
    to have lunch with, ask the questions you would not ask your manager, and learn who
    knows what. Buddies meet their newcomer at least once a week in the first month.
    Volunteer in #buddies; buddies get a thank-you lunch voucher each quarter.
    """,
)

page(
    "IT setup for new starters",
    "onboarding, it",
    "erin",
    "2024-08-12",
    """
    When the People team creates a new starter in the HR portal, IT gets a ticket
    automatically. IT then:

    1. creates the Okta account and mailbox (active from the start date at 06:00);
    2. prepares a laptop (Mac by default, Windows or Linux on request) with the standard
       software;
    3. on day one, sets up the password, 2FA and the VPN with the newcomer in person, or on
       a video call for remote starts (the laptop is then shipped a week before).
    """,
)

page(
    "Leavers: exit checklist",
    "offboarding, hr, checklist",
    "chloe",
    "2024-10-21",
    """
    When someone leaves Larkspur, this is the exit checklist. The manager owns it; the
    People team checks it on the last day.

    ## As soon as the resignation is confirmed

    - [ ] Agree the last working day and the remaining holiday days
    - [ ] Plan the handover: documents, customer contacts, on-call shifts
    - [ ] Book an exit interview ([[Exit interviews]])

    ## Last week

    - [ ] Reassign their tickets, pull requests and calendar series
    - [ ] Move shared documents out of their personal OneDrive
    - [ ] Say goodbye properly (a card, a lunch; ask the team)

    ## Last day

    - [ ] Laptop, badge, keys, company phone and corporate card returned
    - [ ] Access ends at 18:00 ([[Removing access when someone leaves]])
    - [ ] Leavers get their final payslip and employment reference by post
    """,
)

page(
    "Removing access when someone leaves",
    "offboarding, it, security",
    "erin",
    "2023-12-04",
    """
    Deprovisioning runbook for the helpdesk, triggered by the leaver's end date in the HR
    portal.

    1. At 18:00 on the last day: suspend the Okta account (this ends SSO to every app), sign
       out all sessions, wipe the company phone's work profile.
    2. Convert the mailbox to a shared mailbox for 90 days; the manager gets access. Set an
       auto-reply naming the new contact.
    3. Remove the person from GitHub, AWS and PagerDuty by hand (not connected to Okta).
    4. After 90 days delete the account; the data follows the [[Data retention policy]].

    Urgent removal (dismissal): the People team calls the helpdesk; do steps 1 and 3 at once.
    """,
)

page(
    "Exit interviews",
    "offboarding, hr",
    "chloe",
    "2021-05-10",
    """
    Everyone who resigns is offered a conversation with the People team (not their manager)
    in their last two weeks: why they are going, what we could have done better, what they
    would keep. Answers are summarised anonymously for leadership twice a year. Saying no is
    fine.
    """,
)


# ---------------------------------------------------------------------- finance how-tos

page(
    "How to submit an expense claim",
    "expenses, how-to, finance",
    "amara",
    "2024-02-20",
    """
    Claims go through the Spendly app (phone or browser, sign in with SSO).

    1. Take a photo of the receipt right away: **+ → Receipt**. Spendly reads the amount,
       the date and the currency.
    2. Choose the category. For a client dinner pick *Client entertainment* and type the
       guests' names and companies in the note.
    3. Attach the trip if it belongs to one (Voyago trips appear by themselves).
    4. Submit. Your manager approves in the app; over 500 EUR the controller too.

    Paid with the next salary. Paid with the corporate card? Then only attach the receipt to
    the card transaction; there is nothing to claim. Rules: [[Expense policy 2024]].
    """,
)

page(
    "Purchase order (PO) process",
    "procurement, finance, how-to",
    "amara",
    "2024-03-11",
    """
    Anything we buy from a supplier for more than 1,000 EUR needs a purchase order **before**
    the order is placed. Without one, accounts payable cannot pay the invoice.

    1. In Coupa, choose **Create requisition**, add the supplier, the items or the service,
       the amount and the cost centre.
    2. Your budget owner approves; over 10,000 EUR also the financial controller, over
       50,000 EUR the CFO.
    3. Coupa turns the approved requisition into a PO and emails it to the supplier. The PO
       number (`PO-2024-01234`) must appear on their invoice.
    4. When the goods or service arrive, confirm receipt in Coupa. Only then can the invoice
       be paid.

    New supplier? See [[Choosing a new supplier]] first.
    """,
)

page(
    "Receiving supplier invoices",
    "accounts payable, finance, invoices",
    "amara",
    "2023-11-06",
    """
    All supplier invoices must reach the accounts payable (AP) team at
    invoices@larkspur.example as a PDF, one invoice per file. Paper invoices are scanned by
    reception and sent there too.

    ## What AP checks

    1. The invoice is addressed to the right Larkspur company and shows our VAT number.
    2. It quotes a valid PO number ([[Purchase order (PO) process]]).
    3. **Three-way match**: the invoice matches the PO and the goods received in Coupa.
    4. The invoice number is not already in the system (duplicate check, added in 2022).

    Invoices that pass are scheduled for the next payment run
    ([[Accounts payable (AP): payment runs]]). Invoices that fail go back to the requester
    with the reason.

    If a supplier sends an invoice to you personally, forward it to invoices@ at once and
    do not pay it yourself.
    """,
)

page(
    "Accounts payable (AP): payment runs",
    "accounts payable, finance",
    "amara",
    "2024-05-06",
    """
    We pay suppliers twice a month, in payment runs on the **10th and the 25th** (the next
    working day if that is a weekend). An invoice must be approved three working days before
    a run to be in it. Our standard payment term is 30 days; early payment for a discount
    only when Finance agrees.

    Urgent payment outside a run: ask the AP lead, with the reason. Payments are released in
    the bank portal by two people (four-eyes principle).
    """,
)

page(
    "Choosing a new supplier",
    "procurement, finance",
    "bruno",
    "2022-10-17",
    """
    Before you buy from a company we have not used before:

    * Above 10,000 EUR a year, get three written quotes and keep them with the requisition.
    * Check the supplier in the sanctions screening tool (Finance does it when they set the
      supplier up).
    * Suppliers that will handle personal data need a data processing agreement (DPA): ask
      legal.
    * Prefer suppliers that accept our standard terms and 30-day payment.

    Finance creates the supplier in Coupa once the bank details are confirmed by phone,
    never by email only.
    """,
)

page(
    "Corporate credit cards",
    "finance, expenses",
    "bruno",
    "2021-11-29",
    """
    People who travel often, and team leads, can have a corporate Visa card. The limit is
    5,000 EUR a month. Every transaction needs a receipt in Spendly within 14 days; after
    two reminders the card is blocked. Never use it for private purchases, not even if you
    pay the money back.
    """,
)

page(
    "Paying by cheque (UK)",
    "finance, uk, london",
    "lucia",
    "2020-09-14",
    """
    A few UK suppliers and HMRC letters still ask for payment by cheque. The London office
    keeps one chequebook in the safe. Cheques over 500 GBP need two signatures (the UK
    director and the financial controller). Log every cheque issued in the cheque register
    spreadsheet, and post it by recorded delivery. Incoming cheques are paid in at the
    Barclays branch on Old Street.
    """,
)

page(
    "Depositing customer checks in Austin",
    "finance, austin, accounts receivable",
    "hannah",
    "2021-04-19",
    """
    Some US customers still pay by paper check. When one arrives in the Austin mail:

    1. Log it in the incoming checks sheet (customer, amount, check number).
    2. Scan both sides and email the scan to ar@larkspur.example.
    3. Deposit it with the mobile banking app (amounts up to 10,000 USD) or at the bank
       branch on Congress Avenue.
    4. Shred the check 30 days after the deposit clears.
    """,
)

page(
    "Salary payment dates",
    "payroll, finance",
    "bruno",
    "2025-01-27",
    """
    Salaries are paid on the **last working day of each month**, in every country. In
    December we pay on the 20th so that the money is there before the holidays. Expense
    claims approved by the 20th are paid with the same salary.

    Your payslip appears in the HR portal two days before ([[Payslips in the HR portal]]).
    Questions about your pay go to people@larkspur.example, never to Finance.
    """,
)

page(
    "Payslips in the HR portal",
    "payroll, hr portal",
    "chloe",
    "2024-03-18",
    """
    Payslips are under **Documents → Payslips** in Personio, as PDFs, from your first month
    on. The annual tax statement (Lohnsteuerbescheinigung in Germany, P60 in the UK, W-2 in
    the US) is in the same folder by the end of February.

    If something on your payslip looks wrong, write to people@larkspur.example within a
    month.
    """,
)


# ---------------------------------------------------------------------- travel how-tos

page(
    "Travel booking with Voyago",
    "travel, how-to",
    "bruno",
    "2025-02-10",
    """
    Voyago is our travel agency since 2024 ([[Decision: Voyago replaces FlyDesk for travel booking]]).

    1. Sign in at https://voyago.example through the Larkspur SSO tile.
    2. Search trains, flights and hotels; options within the [[Travel policy 2025]] are
       marked green.
    3. Choose the trip's purpose and cost centre, then **Request approval**. Voyago sends the
       request to the right approvers for the amount.
    4. Once approved, tickets arrive by email and in the Voyago app.

    Changes and cancellations: in the app, or call Voyago's 24-hour line (on your ticket).
    """,
)

page(
    "Travelling with a company laptop",
    "travel, security, laptops",
    "farah",
    "2023-05-22",
    """
    When travelling with your laptop:

    * Keep it in your hand luggage, never in checked bags or a car boot.
    * Switch it off (not sleep) before border controls, so that the encryption is fully on.
    * Use the VPN on hotel and airport networks.
    * Travelling to China, Russia or Belarus: take a loaner laptop from IT instead, and tell
      security before you go.

    Lost it anyway? [[Lost or stolen laptop]].
    """,
)

page(
    "Traveling to the Austin office",
    "travel, austin, offices",
    "hannah",
    "2024-04-08",
    """
    Tips for colleagues visiting us in Austin, Texas.

    * Fly into Austin-Bergstrom (AUS). A ride share to downtown takes 20-30 minutes.
    * Hotels within walking distance: the ones on Congress Avenue and 2nd Street are within
      the travel policy's 230 USD a night if booked early; avoid festival weeks (SXSW in
      March, ACL in October) when prices triple.
    * Renting a car? You will not need one downtown. If you do, the building's garage is
      described on [[Congress Avenue: garage, bikes and buses]].
    * The office opens at 08:00; ask for a visitor badge at the front desk on level 1.

    See also the [[Austin office guide]].
    """,
)

page(
    "Travel insurance",
    "travel, insurance, finance",
    "bruno",
    "2024-06-10",
    """
    Every approved business trip is covered by our group travel insurance (policy
    GTI-448812): medical costs abroad, repatriation, lost luggage up to 2,000 EUR, and
    delays over six hours. You do not need to buy anything when you book. The insurance
    card (PDF) and the emergency number are on the Finance page of the intranet and in the
    Voyago app. Private holidays are not covered.
    """,
)

page(
    "Visa letters for business trips",
    "travel, hr",
    "chloe",
    "2022-09-05",
    """
    If you need a visa or an invitation letter for a business trip, the People team writes
    the company's letter (allow five working days). Visa fees are paid back as travel
    expenses. Remember that some countries need your passport to be valid six months beyond
    the trip.
    """,
)


# ---------------------------------------------------------------------- company and people

page(
    "Organisation chart",
    "organisation, company, people",
    "chloe",
    "2026-04-13",
    """
    Who reports to whom, as of April 2026. The live version is in the HR portal under
    **Company → Org chart**; this page explains the structure.

    * **CEO**: Marta Lindqvist
    * **CFO**: Stefan Auer (Finance, including accounts payable and payroll)
    * **CTO**: Priya Raman (Engineering, Platform, Data, IT helpdesk, Security)
    * **Chief People Officer**: Ana Sousa (People team, Facilities)
    * **Chief Revenue Officer**: Dan Whitaker (Sales, Sales operations, Customer support,
      Marketing)
    * **General Counsel**: Inês Duarte (Legal and data protection)

    Each office has an office manager who reports to Facilities. Team pages list their
    members: see [[Finance team]], [[Platform team]], [[People team]].
    """,
)

page(
    "Sales organization and territories",
    "sales, organization",
    "kwame",
    "2024-02-05",
    """
    How the sales team is organized since the 2024 reorganization:

    * **DACH** (Germany, Austria, Switzerland): Berlin team, 6 account executives.
    * **UK and Ireland**: London team, 4.
    * **Southern Europe**: Lisbon team, 3.
    * **North America**: Austin and Toronto, 7.
    * **APAC**: Singapore, 3.

    Accounts over 500 employees belong to the enterprise team regardless of territory.
    Territory disputes go to the VP of Sales, who decides within a week.
    """,
)

page(
    "Company values",
    "culture, company",
    "chloe",
    "2019-09-23",
    """
    Written by everyone at the 2019 offsite, still true:

    1. **Write it down.** If it is not in the wiki, it did not happen.
    2. **Own the outcome**, not just the task.
    3. **Be kind, be direct.**
    4. **Leave it better** than you found it: code, documents, the kitchen.
    """,
)

page(
    "How to use the wiki",
    "wiki, help",
    "ines",
    "2019-02-11",
    """
    This wiki is our company memory. Anyone can edit; every change is kept in the history,
    so you cannot break anything for good.

    * **Search** with the box at the top: `title:budget`, `tag:finance`, `"exact phrase"`.
    * **Create a page** from the search results or with the *New page* button. Give it a
      title people would search for.
    * **Tags** group pages: use existing tags where you can (`policy`, `how-to`,
      `runbook`, `post-mortem`).
    * **Link** other pages with double square brackets: `[[Travel policy 2025]]`.

    Style advice: [[Wiki style guide]].
    """,
)

page(
    "Wiki style guide",
    "wiki, writing, help",
    "ines",
    "2021-06-07",
    """
    * Start with one sentence that says what the page is for and who it is for.
    * Titles: what people will search for ("Booking meeting rooms", not "Rooms v2").
    * Mark old pages as superseded in the first line and link the new one; do not delete
      them, people still find them from old links.
    * Dates in ISO format (2024-03-01). Amounts with their currency.
    * A runbook is a numbered list of steps someone can follow at 3 a.m.
    """,
)

page(
    "Guest Wi-Fi for visitors",
    "wifi, guests, offices",
    "erin",
    "2024-01-29",
    """
    Visitors get online through the **Larkspur-Guest** network in every office. Reception
    prints a voucher valid for 24 hours, or the visitor registers with a phone number on the
    network's welcome page. Guest Wi-Fi is separated from our internal network: no printers,
    no internal sites. Employees use the staff network of their office.
    """,
)

page(
    "Wi-Fi troubleshooting",
    "wifi, troubleshooting, it",
    "erin",
    "2023-09-11",
    """
    Laptop will not connect to the staff wireless network?

    * Forget the network and join again; the staff network uses your SSO login and a
      certificate installed by IT, so it can take a minute.
    * A laptop that has been off the network for months may have an expired certificate:
      connect by cable or through your phone's hotspot once, then try again.
    * Slow in one meeting room only: tell facilities, an access point may be down.
    """,
)

page(
    "Booking meeting rooms",
    "offices, facilities, how-to",
    "lucia",
    "2023-02-27",
    """
    Rooms are booked in Outlook: add the room as a participant (the Room Finder lists rooms
    by office and floor). Bookings not confirmed on the room's panel within 10 minutes of
    the start are released. Large rooms (more than 10 seats) may be booked at most four
    weeks ahead, and never for a whole day without asking the office manager.
    """,
)

page(
    "Security incident response",
    "security, incident, runbook",
    "farah",
    "2024-07-15",
    """
    Runbook for the security team when something is reported to security@ or #security.

    1. **Triage** within an hour in working hours: real incident, false alarm, or ordinary
       IT problem?
    2. **Contain**: disable accounts, isolate laptops through Intune/Jamf, rotate keys.
    3. **Assess**: was personal data involved? If so, legal decides within 48 hours whether
       to notify the data protection authority (72 hours from discovery under the GDPR).
    4. **Recover** and **write it up**: a post-mortem for every real incident.

    Keep an incident log with times from the first minute; it is evidence.
    """,
)

page(
    "Subject access requests",
    "gdpr, legal, data protection",
    "ines",
    "2023-03-13",
    """
    Anyone can ask what personal data we hold about them (a subject access request, or
    SAR, under the GDPR). If you receive one, forward it to privacy@larkspur.example the
    same day: we have one month to answer. Legal collects the data from each system's
    owner, checks it for other people's data, and sends it securely. Never answer such a
    request yourself.
    """,
)

page(
    "Deleting a customer's personal data on request",
    "gdpr, legal, runbook",
    "ines",
    "2024-09-30",
    """
    When a person asks us to erase their personal data (the right to erasure) and legal has
    confirmed we must:

    1. Delete the contact in the CRM with the *Erase* action (not *Archive*).
    2. Ask support to delete their tickets, or anonymise them if the customer's contract
       needs them.
    3. Backups expire by themselves after 35 days; do not try to edit backups.
    4. Confirm to legal, with the date, in the request's ticket.
    """,
)

page(
    "Handling personal data in spreadsheets",
    "gdpr, data protection, security",
    "ines",
    "2022-11-07",
    """
    Exports of customer or employee data into spreadsheets are the most common way personal
    data leaks. Before you export:

    * Export only the columns you need; leave out names and emails when an ID will do.
    * Keep the file in a restricted SharePoint folder, never as an email attachment.
    * Delete it when the analysis is done; set yourself a reminder.
    """,
)

page(
    "Mental health first aiders",
    "wellbeing, hr",
    "chloe",
    "2023-10-10",
    """
    Twelve colleagues across all offices are trained as mental health first aiders. They
    listen, help you find professional support and keep what you tell them confidential.
    Their names and how to reach them are on the People team's channel #people. In a crisis
    call the local emergency number first.
    """,
)

page(
    "Employee assistance programme",
    "wellbeing, benefits, hr",
    "chloe",
    "2024-01-22",
    """
    Everyone (and their family living with them) can use our employee assistance programme
    run by an outside provider: confidential counselling by phone or video, 24 hours a day,
    in eight languages, and up to six free sessions with a therapist per topic each year. We
    never learn who called. The phone number is on the back of your badge.
    """,
)

page(
    "Bike leasing scheme",
    "benefits, germany",
    "chloe",
    "2022-03-28",
    """
    In Germany you can lease a bicycle or e-bike through JobRad: the monthly rate is taken
    from your gross salary (saving tax), and the company adds 20 EUR a month. Bikes up to
    7,000 EUR. At the end of the 36 months you can buy the bike for a small final payment.
    """,
)

page(
    "Gym membership discount",
    "benefits",
    "chloe",
    "2021-08-16",
    """
    We pay half of an Urban Sports Club or ClassPass membership (up to 40 EUR a month) in
    Germany, Portugal and the UK, and a 50 USD monthly wellness allowance in the US and
    Canada. Sign up through the HR portal under *Perks*.
    """,
)

page(
    "Lunch vouchers (Berlin)",
    "benefits, berlin",
    "goran",
    "2023-01-09",
    """
    Employees in the Berlin office get digital lunch vouchers worth 7.23 EUR per working
    day (the tax-free maximum), loaded onto the Lunchit app each month. Take a photo of the
    receipt for any meal you buy, in a restaurant or a supermarket.
    """,
)


# ---------------------------------------------------------------------- post-mortems and lessons learned

page(
    "Post-mortem: supplier invoice paid twice (2022)",
    "post-mortem, finance, accounts payable, lessons learned",
    "amara",
    "2022-09-14",
    """
    ## Summary

    In August 2022 we paid the same supplier invoice twice: Nordlicht Catering's invoice
    NC-2022-0817 for the summer party, 18,240 EUR. The supplier sent it by email and, a week
    later, on paper. Reception scanned the paper copy, it arrived in the AP mailbox as a new
    document, and both copies were approved and paid in the payment run of 25 August. We
    noticed at the month-end reconciliation; Nordlicht refunded the duplicate payment three
    weeks later.

    ## Root cause

    Our accounting tool checked duplicates by amount and date, and the scanned copy had a
    different date of receipt. The approver saw two identical invoices a week apart and
    assumed one was a correction.

    ## Actions

    * The AP tool now rejects a second invoice with the same supplier and invoice number
      (done, September 2022).
    * Suppliers are asked to send invoices by email only ([[Receiving supplier invoices]]).
    * Approvers see the PO's remaining amount next to each invoice.
    """,
)

page(
    "Postmortem: Frankfurt data center power outage",
    "postmortem, incident, infrastructure",
    "dmitri",
    "2021-06-30",
    """
    ## Summary

    On 22 June 2021 the data center in Frankfurt that hosted our production cluster lost
    mains power for 3 hours 40 minutes during a storm. The UPS held for 12 minutes; one of
    the two diesel generators failed to start and the other could not carry the whole load,
    so the provider shut down our cage. The customer portal was down from 14:05 to 18:20
    CEST.

    ## What went badly

    * We had no standby in another site, so all we could do was wait.
    * The status page was hosted in the same data center and went down with it.
    * Support learned about the outage from customers.

    ## Actions

    * Move production to the cloud with a second region ([[Data centre migration: lessons learned]]).
    * Host the status page with an outside provider (done).
    * Page support together with on-call for any severity 1 incident.
    """,
)

page(
    "Data centre migration: lessons learned",
    "lessons learned, infrastructure, platform",
    "dmitri",
    "2023-05-08",
    """
    Between October 2022 and March 2023 we moved everything out of our Frankfurt data
    centre into two cloud regions, after the 2021 power cut. It took five months instead of
    three. What we would do again and what we would not.

    ## What went well

    * Moving one service at a time, each behind a feature flag, with the old path kept for
      a week.
    * Weekly demos kept the rest of the company informed.

    ## What we would do differently

    * Inventory first: we found eleven servers nobody had documented, two of them running
      the payroll export.
    * Test restores before the move, not during it.
    * Agree the end date of the data centre contract only when the last service is out: we
      paid two extra months at short notice.
    """,
)

page(
    "Lessons learned: the 2020 Berlin office move",
    "lessons, facilities, berlin, office move",
    "goran",
    "2020-11-23",
    """
    On Friday 9 October 2020 we moved the Berlin office from Mitte to the new building at
    Schlesische Straße. It did not go as planned, and the first week was rough. Here is what
    went wrong and what we learned.

    ## What went wrong

    * **The movers came a day late.** Their truck was stuck in another job; we found out on
      Friday afternoon, with everyone's boxes packed.
    * **No network on Monday.** The fibre line was ordered for the wrong floor. For eight
      working days about 80 people worked from home, cafés and the old building's last
      open floor.
    * **Desks without chairs.** The chairs were delivered to the old address.
    * Nobody knew who decided what: facilities, IT and the landlord each waited for the
      others.

    ## Lessons

    1. Have the network live and tested two weeks before moving day.
    2. One move coordinator with authority over facilities and IT decisions.
    3. Book movers with a penalty clause, and a backup company.
    4. Move on a Thursday: a lost Friday is cheaper than a lost Monday.

    The London refurbishment in 2024 used this list:
    [[Lessons from the 2024 London office refurbishment]].
    """,
)

page(
    "Lessons from the 2024 London office refurbishment",
    "lessons, facilities, london",
    "lucia",
    "2024-12-09",
    """
    The London office was refurbished floor by floor between July and October 2024 while
    people kept working there. It went smoothly, mostly because we planned it with the
    Berlin move's lessons in hand.

    * Noise: the builders did the loud work before 10:00 and after 17:00, which everyone
      preferred to a quiet but long project.
    * The temporary kitchen on the third floor was too small; next time, rent coffee carts.
    * Announcing desk moves a week ahead worked; a day ahead would not have.
    """,
)

page(
    "Post-mortem: expired TLS certificate on the customer portal",
    "post-mortem, incident, security, platform",
    "dmitri",
    "2024-03-25",
    """
    ## Summary

    On 16 March 2024 (a Saturday) the TLS certificate of portal.larkspur.example expired at
    00:00 UTC. Browsers showed a security warning and the mobile app could not connect for
    9 hours, until the on-call engineer replaced the certificate by hand.

    ## Root cause

    The certificate had been bought by hand in 2022 for two years, outside our automatic
    renewal (ACME) because of an extended-validation requirement that we no longer have.
    The renewal reminder went to the mailbox of someone who had left.

    ## Actions

    * All certificates renewed automatically; none bought by hand (done).
    * An alert when any certificate we serve expires in less than 21 days (done).
    * Reminders go to team mailboxes, never to a person.
    """,
)

page(
    "Post mortem: newsletter sent to all customers by mistake",
    "post-mortem, marketing, email, incident",
    "kwame",
    "2023-02-20",
    """
    On 14 February 2023 a test version of the spring newsletter, with placeholder text and
    a broken discount code, went to all 48,000 customer contacts instead of the internal
    test list. The mailing tool's audience picker had both lists next to each other with
    similar names.

    * We sent an apology the same afternoon and honoured the broken code (cost: about
      2,300 EUR in discounts).
    * The internal test list is now called "INTERNAL ONLY - test" and big sends need a second
      person to approve them in the mailing tool.
    * Three customers complained to the data protection authority; legal answered, no fine.
    """,
)

page(
    "Post-mortem: backup restore failed during the 2023 test",
    "post-mortem, backups, platform, lessons learned",
    "dmitri",
    "2023-08-21",
    """
    During the first quarterly restore rehearsal (2 August 2023) we could not restore the
    customer database from its backup: the restore failed after 50 minutes because the
    WAL archive had a gap of six days in July. Production was never affected, but for those
    six days a point-in-time restore would have been impossible.

    ## Why

    An archive job had been failing silently since a credentials change on 12 July. Its
    failure alert existed but pointed at a retired chat channel.

    ## Actions

    * `backup-age` and `wal-archive-lag` alerts page on-call (done).
    * A restore rehearsal every quarter, written up on [[Restoring a database from backup]].
    * Alert destinations are checked by a test in CI.
    """,
)

page(
    "Incident review: laptop stolen from a car",
    "security, incident, laptops, lessons learned",
    "farah",
    "2022-02-07",
    """
    On 28 January 2022 a sales colleague's laptop was stolen from a rental car parked at a
    motorway service station near Lyon; it was on the back seat. The laptop was encrypted
    and switched off, so no data was exposed, but the colleague had saved customer contract
    drafts on the desktop instead of OneDrive, and two days of work were lost.

    What we changed: laptops must be switched off and carried, never left in a car, even in
    the boot ([[Travelling with a company laptop]]); desktop folders are now synced to
    OneDrive on every laptop.
    """,
)

page(
    "Post-mortem: salaries paid three days late (March 2024)",
    "post-mortem, payroll, finance",
    "bruno",
    "2024-04-08",
    """
    March 2024 salaries in Germany reached employees' accounts on 3 April instead of
    28 March. The payroll file was uploaded to the bank on time, but the bank rejected it
    because our signing certificate for the bank connection had expired on 25 March; the
    rejection notice went to a mailbox nobody read during the Easter holidays.

    * Everyone affected got a letter and, on request, a refund of overdraft fees (14 people).
    * Bank certificates are now in the certificate expiry alerts (see
      [[Post-mortem: expired TLS certificate on the customer portal]]).
    * Payroll checks that the bank has accepted the file on the day of the upload.
    """,
)

page(
    "Postmortem: chat outage during the all-hands",
    "postmortem, incident, it",
    "erin",
    "2025-05-19",
    """
    On 15 May 2025 our chat workspace was unreachable for 70 minutes, starting ten minutes
    into the all-hands meeting, whose stream was shared only in chat. The cause was the
    provider's outage, not ours, but we had no fallback: 400 people did not know whether the
    meeting was still on.

    Actions: all-hands links go out by email and calendar as well; the IT status page is
    announced as the place to look when chat is down.
    """,
)

page(
    "Incident review: VPN outage after certificate rotation",
    "vpn, incident, postmortem",
    "erin",
    "2025-09-15",
    """
    On Monday 8 September 2025 nobody outside the offices could reach internal systems from
    08:00 to 11:30 CEST. Over the weekend we rotated the VPN server's keys; the new server
    key was published, but the old peer configuration on the gateway was not reloaded, so
    every connection attempt failed with "handshake did not complete".

    * The helpdesk received 140 tickets before the status page said anything.
    * Rollback was quick once someone looked at the gateway, but the runbook did not mention
      the reload step.

    Actions: the rotation is scripted end to end, tested on a staging gateway first, and
    done on Wednesdays, never over a weekend.
    """,
)

page(
    "Lessons learned: conference booth at Web Summit 2023",
    "lessons learned, marketing, events",
    "kwame",
    "2023-12-04",
    """
    Our first booth at a big conference, Lisbon, November 2023. 410 leads scanned, 9
    qualified opportunities so far.

    * Our booth was too far from the main stage: pay for location, not size.
    * Demos on a big screen drew people in; brochures did not (we shipped back 1,800).
    * Three staff per shift is the minimum; we had two and could not take breaks.
    * Book hotels in June: prices doubled by September.
    """,
)

page(
    "Lessons learned: CRM migration",
    "lessons, sales, crm",
    "kwame",
    "2021-10-25",
    """
    Moving from our old CRM to HubSpot took from April to September 2021.

    * Cleaning the data first would have saved the most time: 30 % of contacts were
      duplicates or had left their companies.
    * Sales kept working in the old system during the move. Set a firm cut-over date and
      switch off writing in the old system.
    * Custom fields: we migrated 140, people use 25. Migrate what reports need, archive the
      rest.
    """,
)

page(
    "Post-mortem: double-booked hotel rooms for the sales kickoff",
    "post-mortem, events, travel, sales",
    "kwame",
    "2025-02-24",
    """
    For the January 2025 sales kickoff in Lisbon, 38 hotel rooms were booked twice: once by
    the events agency through a group contract and once by attendees themselves in Voyago.
    The hotel charged both bookings; we got 60 % of the second set back as a goodwill
    gesture and paid 9,100 EUR for nothing.

    Next time: Voyago blocks hotel bookings for an event's dates and city when a group
    contract exists, and the invitation says in bold that rooms are booked for you.
    """,
)

page(
    "Lessons learned: hiring freeze communication (2023)",
    "lessons learned, hr, communication",
    "chloe",
    "2023-11-13",
    """
    When we paused hiring in spring 2023, candidates in final interviews heard about it from
    recruiters before managers had told their teams, and rumours filled the gap. Next time:
    tell managers first, teams the same day, candidates the day after with a personal call,
    and publish an end date or the date of the next review.
    """,
)


# ---------------------------------------------------------------------- decision records

DECISIONS = [
    # (title, tags, author, date, context, decision, consequences)
    (
        "Decision: adopt Okta for single sign-on",
        "decision, sso, security",
        "farah",
        "2022-01-17",
        "Every tool had its own password, and leavers kept access to tools nobody remembered "
        "to close. Two phishing incidents in 2021 started with reused passwords.",
        "We buy Okta Workforce Identity and connect every application that supports SAML or "
        "OpenID Connect. Tools that support neither are not bought any more.",
        "One login for everyone, access removed in one place when someone leaves. About 8 EUR "
        "per person per month. The VPN and the staff wireless network also authenticate "
        "through Okta from 2022.",
    ),
    (
        "Decision: Voyago replaces FlyDesk for travel booking",
        "decision, travel, finance",
        "bruno",
        "2024-04-02",
        "FlyDesk booked by email and phone; approvals were emails nobody could find later, and "
        "we could not see what we spent on travel until months afterwards.",
        "From September 2024 all business travel is booked in Voyago, which checks the travel "
        "policy and routes approvals by amount.",
        "Travellers book themselves, approvals are recorded, Finance sees spend every day. "
        "The travel policy was rewritten for it (see [[Travel policy 2025]]).",
    ),
    (
        "ADR-007: PostgreSQL for all new services",
        "decision, adr, engineering, database",
        "jonas",
        "2021-02-15",
        "Services used MySQL, MongoDB and PostgreSQL; each needed its own backups, monitoring "
        "and on-call knowledge.",
        "New services use PostgreSQL. Existing MySQL databases move when their service is "
        "rewritten; MongoDB is retired by the end of 2022.",
        "One database to operate, back up and tune; the platform team offers it as a managed "
        "service with backups ([[Database backups]]).",
    ),
    (
        "ADR-012: GitHub Actions instead of Jenkins",
        "decision, adr, engineering, ci",
        "jonas",
        "2022-06-13",
        "Our Jenkins server was a single machine that only two people understood, with 140 "
        "plugins and builds queueing for 20 minutes at peak times.",
        "CI moves to GitHub Actions with self-hosted runners for the large builds.",
        "Pipelines live next to the code; the Jenkins machine was switched off in December 2022.",
    ),
    (
        "ADR-015: Argo CD for deployments",
        "decision, adr, deploy, platform",
        "dmitri",
        "2023-01-23",
        "Deploys were shell scripts run from laptops, so nobody could tell what was running where.",
        "Production and staging are deployed by Argo CD from the Git repository (GitOps).",
        "Every deploy is a commit; rollbacks are a click ([[Rolling back a bad deploy]]).",
    ),
    (
        "Decision: two office days a week",
        "decision, remote work, hr",
        "chloe",
        "2025-02-17",
        "After the pandemic rules ended, offices were empty on Mondays and Fridays and full on "
        "Wednesdays, and teams rarely met in person at the same time.",
        "Tuesdays and Wednesdays are office days for everyone near an office; the rest of the "
        "week people choose. See [[Remote work policy 2025]].",
        "We give up 20 % of the desks in Berlin and London at the next lease renewals.",
    ),
    (
        "Decision: keep the Austin office lease until 2028",
        "decision, austin, facilities, offices",
        "hannah",
        "2024-09-16",
        "The Austin lease at Congress Avenue ended in 2025. A smaller office would save 30 % "
        "but the team is growing.",
        "We renewed for three years with an option to give back half a floor in 2026.",
        "Rent rises 4 % a year; the garage spaces stay included.",
    ),
    (
        "Decision: one expense tool (Spendly) for all countries",
        "decision, expenses, finance",
        "bruno",
        "2023-09-04",
        "Germany used paper forms, the UK a spreadsheet and the US a card provider's portal; "
        "closing the month took four extra days.",
        "Spendly for expense claims and corporate cards everywhere from January 2024.",
        "The expense policy was rewritten ([[Expense policy 2024]]); paper forms are no longer "
        "accepted.",
    ),
    (
        "Decision: English as the company language",
        "decision, culture, communication",
        "chloe",
        "2019-06-03",
        "With offices in four countries, German-only documents shut out a third of the company.",
        "Company-wide documents, the wiki and all-hands meetings are in English. Teams in one "
        "office may work in their own language.",
        "Policies are translated into German only where the law requires it.",
    ),
    (
        "Decision: retire the on-premises file server",
        "decision, it, storage",
        "erin",
        "2021-11-08",
        "The Berlin file server was eight years old and reachable only through the VPN; backups "
        "ran on tapes that nobody had tested.",
        "All shared drives move to SharePoint and personal files to OneDrive by March 2022.",
        "Files are reachable without the VPN and versioned; the server was switched off in April "
        "2022.",
    ),
]

for _title, _tags, _author, _date, _context, _decision, _consequences in DECISIONS:
    page(
        _title,
        _tags,
        _author,
        _date,
        f"""
        **Status:** accepted, {_date}

        ## Context

        {_context}

        ## Decision

        {_decision}

        ## Consequences

        {_consequences}
        """,
    )


# ---------------------------------------------------------------------- offices

OFFICES = {
    "Berlin": {
        "author": "goran",
        "address": "Schlesische Straße 27, 10997 Berlin, 4th and 5th floor",
        "hours": "07:00 to 21:00 on working days; with your badge at any time",
        "reception": "on the 4th floor, staffed 08:30 to 17:30",
        "kitchen": "Both floors have a kitchen; the big one on the 5th floor has the espresso "
        "machine and the Thursday breakfast.",
        "post": "Parcels for you personally are fine if they fit in a locker; reception emails "
        "you when something arrives. Outgoing post leaves at 15:00.",
        "first_aid": "First aid kits are next to each kitchen; the trained first aiders are "
        "listed at reception. The defibrillator is by the 4th floor lifts.",
        "people": 140,
        "updated": "2025-05-12",
    },
    "London": {
        "author": "lucia",
        "address": "Second Home, 68 Hanbury Street, London E1 5JL, 3rd floor",
        "hours": "08:00 to 20:00, Monday to Friday",
        "reception": "run by the building on the ground floor",
        "kitchen": "Our kitchen on the 3rd floor has tea, coffee, milk and fruit; the building's "
        "café downstairs gives 10 % off with your badge.",
        "post": "Post and parcels are held by the building's reception; collect them with your "
        "badge. Outgoing post goes at 16:00.",
        "first_aid": "First aiders: ask at the building reception. Fire drills happen on the "
        "first Tuesday of every quarter.",
        "people": 55,
        "updated": "2024-11-04",
    },
    "Lisbon": {
        "author": "lucia",
        "address": "Rua da Prata 80, 1100-415 Lisboa, 2nd floor",
        "hours": "08:00 to 20:00; the street door closes at 19:00, use your badge after",
        "reception": "none: the office manager's desk is by the entrance",
        "kitchen": "A small kitchen with a Nespresso machine; pastries from the bakery downstairs "
        "every Tuesday.",
        "post": "Parcels are signed for by the building's porter and brought up at noon.",
        "first_aid": "First aid kit in the kitchen cupboard. Emergency number: 112.",
        "people": 30,
        "updated": "2023-10-16",
    },
    "Austin": {
        "author": "hannah",
        "address": "500 Congress Avenue, Suite 1200, Austin, TX 78701",
        "hours": "07:00 to 19:00 Monday to Friday; weekend access with your badge",
        "reception": "the building's front desk on level 1 issues visitor badges; our own front "
        "desk is on level 12",
        "kitchen": "Full kitchen with cold brew on tap; breakfast tacos every Wednesday.",
        "post": "Mail and packages come to the mail room next to the kitchen; checks from "
        "customers follow [[Depositing customer checks in Austin]].",
        "first_aid": "First aid and an AED are in the mail room. Severe weather: follow the "
        "building's shelter-in-place signs.",
        "people": 45,
        "updated": "2026-01-19",
    },
    "Toronto": {
        "author": "hannah",
        "address": "100 King Street West, Suite 3400, Toronto, ON M5X 1A9",
        "hours": "07:30 to 19:00 Monday to Friday",
        "reception": "shared with the co-working operator on the 34th floor",
        "kitchen": "Shared kitchen with free coffee, tea and snacks.",
        "post": "Mail goes to the operator's reception; they email you.",
        "first_aid": "First aid: the operator's staff are trained. Emergency: 911.",
        "people": 20,
        "updated": "2022-06-13",
    },
    "Singapore": {
        "author": "lucia",
        "address": "80 Robinson Road, #14-01, Singapore 068898",
        "hours": "08:00 to 20:00 Monday to Friday",
        "reception": "at the building's lobby; register visitors a day ahead",
        "kitchen": "Pantry with coffee machine, tea and fruit delivered on Mondays.",
        "post": "Letters and parcels are left at our door by the building's management.",
        "first_aid": "First aid box in the pantry. Emergency: 995 (ambulance).",
        "people": 18,
        "updated": "2024-07-22",
    },
}

for _city, _o in OFFICES.items():
    page(
        f"{_city} office guide",
        f"offices, {_city.lower()}, facilities",
        _o["author"],
        _o["updated"],
        f"""
        Everything you need to know about working at the {_city} office, for the
        {_o["people"]} people based there and for visitors.

        ## Address and opening hours

        {_o["address"]}. Open {_o["hours"]}. Reception: {_o["reception"]}.

        ## Kitchen

        {_o["kitchen"]}

        ## Post and parcels

        {_o["post"]}

        ## Safety

        {_o["first_aid"]}

        Badges are issued by the office manager on your first day; a lost badge is blocked and
        replaced the same day.
        """,
    )

# Each office's wireless network, written by whoever set it up, in their own spelling.
page(
    "Berlin office: Wi-Fi",
    "wifi, berlin, offices",
    "goran",
    "2024-02-19",
    """
    Staff: connect to **Larkspur** and sign in with your SSO user name and password; accept
    the certificate `radius.larkspur.example` the first time. Your laptop then connects on
    its own. Phones join the same network.

    Guests use **Larkspur-Guest** with a voucher from reception ([[Guest Wi-Fi for visitors]]).

    The Wi-Fi is weakest in the small phone booths on the 5th floor; use a cable at the
    standing desks there if calls drop.
    """,
)

page(
    "London office WiFi",
    "wifi, london, offices",
    "lucia",
    "2022-08-08",
    """
    The building provides the WiFi. Our own network is **LARKSPUR-LDN** (password on the
    card in the kitchen, changed every quarter). Don't use the building's open network
    *SecondHome-Members* for work.

    For guests, the building's guest network is fine; ask the front desk for a code.
    """,
)

page(
    "Lisbon office: wi-fi and network",
    "wifi, lisbon, offices",
    "lucia",
    "2023-03-06",
    """
    The Lisbon office has its own fibre line (1 Gbit/s) and a backup 5G router. Join the
    wi-fi network **Larkspur** with your SSO login, as in Berlin. The meeting room has a
    network cable for the video conferencing unit; please do not unplug it.
    """,
)

page(
    "Austin office wifi",
    "wifi, austin, offices",
    "hannah",
    "2025-03-17",
    """
    Network name: **Larkspur**. Sign in with your SSO username and password (same as
    email). The first time, your laptop asks whether to trust the certificate
    `radius.larkspur.example`: say yes.

    If the wifi drops in the large conference room, that's a known dead spot; there's an
    ethernet cable under the table.
    """,
)

page(
    "Toronto office: wireless network",
    "wifi, toronto, offices",
    "hannah",
    "2022-06-20",
    """
    We use the co-working operator's wireless network, with our own private network name
    **LSP-TOR** (WPA2, the password is in 1Password under *Toronto office*). The operator's
    open network is for visitors only. Wireless printing does not work here: print from a
    cable or send the job by email to the operator's print desk.
    """,
)

page(
    "Singapore office: Wi-Fi",
    "wifi, singapore, offices",
    "lucia",
    "2024-07-29",
    """
    Join **Larkspur** with your SSO login; the setup is the same as in Berlin and Austin.
    If your laptop comes from another office it will connect by itself. The building's
    Wi-Fi in the lobby is not secure: do not work from the lobby.
    """,
)

# Getting there and parking.
page(
    "Berlin office: getting here and parking",
    "berlin, offices, parking, facilities",
    "goran",
    "2023-04-24",
    """
    * **Public transport**: U1 to Schlesisches Tor, then three minutes on foot.
    * **Bikes**: the bike room in the courtyard (badge access) has 60 spaces and two
      chargers for e-bikes.
    * **Parking**: we rent eight spaces in the Spreeparkhaus garage next door. Book one a
      day ahead in the facilities app; two are kept for people with a disability badge.
      Street parking is limited to two hours.
    """,
)

page(
    "London office: getting here",
    "london, offices, facilities",
    "lucia",
    "2022-09-19",
    """
    Aldgate East (District and Hammersmith & City lines) is five minutes on foot, Liverpool
    Street ten. There is no car park and street parking in the area is residents only; if
    you must come by car, the NCP on Thrawl Street charges about 30 GBP a day (claimable
    only with your manager's agreement). Bike racks are in the courtyard and there are
    showers on the ground floor.
    """,
)

page(
    "Lisbon office: parking",
    "lisbon, offices, parking",
    "lucia",
    "2023-03-13",
    """
    Parking in the Baixa is expensive and scarce. We have four spaces in the EMEL garage on
    Praça da Figueira, booked through the office manager. The metro (Baixa-Chiado, green and
    blue lines) and tram 28 stop two minutes from the door.
    """,
)

page(
    "Congress Avenue: garage, bikes and buses",
    "austin, parking, facilities",
    "hannah",
    "2026-03-02",
    """
    Our building at 500 Congress Avenue has a garage under it, entrance on West 5th Street.
    Larkspur rents 15 spaces on level P2 (signs say *Reserved - Larkspur*). Reserve a space
    for the day in the Spacebook app; unreserved spaces are first come, first served after
    09:30. Visitors: the front desk validates garage tickets for up to four hours.

    Electric car chargers: two on P2, 2 hours maximum, then move your car.

    Bikes go in the locked cage on P1 (badge access). CapMetro buses 1, 7 and 801 stop on
    Congress Avenue, one block away.
    """,
)

page(
    "Toronto office: parking and transit",
    "toronto, offices, parking",
    "hannah",
    "2022-06-27",
    """
    The office is connected to King station by the PATH, so you never need to go outside in
    winter. The building's underground parking costs 35 CAD a day; we do not rent spaces.
    Bike parking is on P1 with a shower room.
    """,
)

page(
    "Singapore office: getting here",
    "singapore, offices",
    "lucia",
    "2024-07-29",
    """
    Tanjong Pagar MRT (East-West line), exit A, then four minutes' walk along Robinson Road.
    Taxis and ride-hailing pick up at the building's driveway. Car parking in the building
    is for season holders only; we have none.
    """,
)

# Printing.
page(
    "Printing in the Berlin office",
    "printing, berlin, offices",
    "goran",
    "2023-03-20",
    """
    Two printers on each floor, all on follow-me printing ([[Adding a printer on macOS]]):
    print to *Larkspur-FollowMe* and release the job with your badge. The big Kyocera in the
    5th floor copy room prints in colour and A3, and scans to your email. Paper and toner
    are in the cupboard next to it.
    """,
)

page(
    "London office: colour printer",
    "printing, london, offices",
    "lucia",
    "2024-02-12",
    """
    Our Ricoh colour printer is by the kitchen. It is on the follow-me queue like every
    printer: print to *Larkspur-FollowMe* and hold your badge to the reader. Colour prints
    cost us ten times more than black and white, so the default is greyscale: choose
    *Colour* in the print dialog when you need it. The building's own printers on the
    ground floor are not ours.
    """,
)

page(
    "Austin office printers",
    "printing, austin, offices",
    "hannah",
    "2022-10-03",
    """
    We have two printers in Austin: a black-and-white one by the kitchen and a color printer
    in the mail room that also does large formats and envelopes. Both use the follow-me
    queue; release jobs with your badge. Out of paper or toner? Supplies are in the mail
    room closet; let me know when you take the last box.
    """,
)

page(
    "Parcels and post in the Berlin office",
    "berlin, offices, post",
    "goran",
    "2024-06-24",
    """
    Deliveries for the company and for you personally are received by reception on the 4th
    floor. Reception emails you when a parcel arrives; pick it up the same week. Large
    deliveries (furniture, equipment) must be announced to facilities two days ahead
    because the goods lift has to be booked with the landlord. Outgoing parcels: print a
    label in the shipping tool and leave the parcel at reception before 15:00.
    """,
)


# ---------------------------------------------------------------------- glossary

GLOSSARY = [
    # (term, expansion, explanation, see also, author, date)
    (
        "PTO",
        "paid time off",
        "The days you are paid for while not working: your annual leave. Our people in "
        "Austin and Toronto say PTO or vacation, Berlin and London say holiday or annual leave; "
        "it is the same allowance.",
        "Annual leave policy",
        "chloe",
        "2024-05-20",
    ),
    (
        "OOO",
        "out of office",
        "Away from work: on leave, ill, or travelling without access to email. Also the name of "
        "the automatic reply you set when you are away.",
        "Out of office (OOO) etiquette",
        "chloe",
        "2022-07-11",
    ),
    (
        "SSO",
        "single sign-on",
        "Signing in once (with Okta) to reach every application, instead of a password per tool.",
        "Single sign-on (SSO) with Okta",
        "farah",
        "2022-11-28",
    ),
    (
        "VPN",
        "virtual private network",
        "The encrypted tunnel (WireGuard) that connects your laptop to internal systems when "
        "you are not in an office.",
        "VPN setup on macOS",
        "erin",
        "2024-09-09",
    ),
    (
        "MFA",
        "multi-factor authentication",
        "Proving who you are with something you know (the password) and something you have "
        "(your phone or a security key). 2FA is MFA with exactly two factors.",
        "Two-factor authentication (2FA) setup",
        "farah",
        "2023-02-13",
    ),
    (
        "PO",
        "purchase order",
        "The approved order, with a number like PO-2024-01234, that must exist before we buy "
        "anything over 1,000 EUR from a supplier.",
        "Purchase order (PO) process",
        "amara",
        "2024-03-11",
    ),
    (
        "AP",
        "accounts payable",
        "The part of Finance that receives, checks and pays supplier invoices; also the money "
        "we owe suppliers.",
        "Receiving supplier invoices",
        "amara",
        "2023-11-06",
    ),
    (
        "AR",
        "accounts receivable",
        "The money customers owe us, and the part of Finance that invoices customers and chases "
        "late payments.",
        "Depositing customer checks in Austin",
        "amara",
        "2023-11-06",
    ),
    (
        "ADR",
        "architecture decision record",
        "A short page recording an engineering decision: its context, the decision and its "
        "consequences, numbered (ADR-007).",
        "ADR-007: PostgreSQL for all new services",
        "jonas",
        "2021-02-15",
    ),
    (
        "SLA",
        "service level agreement",
        "What we promise customers about availability and support response times: 99.9 % "
        "monthly availability of the customer portal, first answer to urgent tickets in one "
        "hour.",
        "Escalation policy for production incidents",
        "kwame",
        "2022-03-07",
    ),
    (
        "SRE",
        "site reliability engineering",
        "Keeping production reliable with software: monitoring, on-call, automation. Our SREs "
        "are part of the platform team.",
        "Oncall handbook for SREs",
        "dmitri",
        "2022-09-12",
    ),
    (
        "OKR",
        "objectives and key results",
        "How we set goals each quarter: a few objectives, each with two to four measurable key "
        "results. Company OKRs are presented at the all-hands.",
        "Company values",
        "chloe",
        "2021-01-11",
    ),
    (
        "NDA",
        "non-disclosure agreement",
        "A contract to keep information confidential. Use legal's template; anything else goes "
        "to legal for review before you sign.",
        "Gifts and hospitality policy",
        "ines",
        "2020-05-04",
    ),
    (
        "DPA",
        "data processing agreement",
        "The contract with a supplier that handles personal data for us, required by the GDPR. "
        "Legal keeps the register of DPAs.",
        "Choosing a new supplier",
        "ines",
        "2022-10-17",
    ),
    (
        "SAR",
        "subject access request",
        "A person's request to see the personal data we hold about them; we must answer within "
        "a month.",
        "Subject access requests",
        "ines",
        "2023-03-13",
    ),
    (
        "RTO and RPO",
        "recovery time objective and recovery point objective",
        "How long a system may be down after a disaster (RTO), and how much data we may lose, "
        "measured in time (RPO). For the customer portal: 4 hours and 15 minutes.",
        "Backup policy",
        "dmitri",
        "2023-10-02",
    ),
    (
        "BYOD",
        "bring your own device",
        "Using your own phone for work email and chat, under the rules of the BYOD policy.",
        "Bring your own device (BYOD)",
        "farah",
        "2023-03-20",
    ),
    (
        "TOIL",
        "time off in lieu",
        "Time off given instead of pay for extra hours worked, for example after an on-call night.",
        "On call pay and time off in lieu",
        "chloe",
        "2023-06-05",
    ),
    (
        "WFH",
        "working from home",
        "Working from home instead of the office. Say WFH in your chat status on home days.",
        "Remote work policy 2025",
        "chloe",
        "2025-03-03",
    ),
    (
        "EOD",
        "end of day",
        "By the end of the working day of the person asking, in their time zone. With offices "
        "from Singapore to Austin, say which time zone you mean.",
        "Company values",
        "kwame",
        "2020-10-05",
    ),
    (
        "CapEx and OpEx",
        "capital expenditure and operating expenditure",
        "CapEx buys things that last several years (laptops, office fit-out) and is "
        "depreciated; OpEx is running costs (rent, subscriptions, salaries). Budgets keep them "
        "apart.",
        "Purchase order (PO) process",
        "bruno",
        "2022-12-12",
    ),
    (
        "HRIS",
        "human resources information system",
        "The HR portal (Personio): contracts, time off, payslips, the org chart.",
        "Requesting time off in the HR portal",
        "chloe",
        "2024-05-14",
    ),
    (
        "CAB",
        "change advisory board",
        "The weekly meeting that reviewed production changes until 2023; replaced by automatic "
        "checks in the deploy pipeline.",
        "Deploying the customer portal",
        "dmitri",
        "2021-05-17",
    ),
    (
        "KYC",
        "know your customer",
        "The checks Finance and Sales make on a new customer's identity and ownership before "
        "signing a contract above 100,000 EUR a year.",
        "Choosing a new supplier",
        "kwame",
        "2024-10-28",
    ),
]

for _term, _expansion, _explanation, _see, _author, _date in GLOSSARY:
    page(
        f"Glossary: {_term}",
        "glossary",
        _author,
        _date,
        f"""
        **{_term}**: {_expansion}.

        {_explanation}

        See also [[{_see}]].
        """,
    )


# ---------------------------------------------------------------------- team pages

TEAMS = [
    # (name, author, date, mission, people, contact, owns)
    (
        "Finance team",
        "bruno",
        "2025-01-20",
        "We pay suppliers and salaries, send invoices to customers, close the books every month "
        "and keep the budget honest.",
        [
            "Stefan Auer (CFO)",
            "Bruno Keller (financial controller)",
            "Amara Okafor (accounts payable lead)",
            "Lena Fischer (accounts receivable)",
            "Tom Brady (payroll, UK and US)",
        ],
        "#finance-help, finance@larkspur.example",
        [
            "Expense policy 2024",
            "Travel policy 2025",
            "Purchase order (PO) process",
            "Receiving supplier invoices",
            "Salary payment dates",
        ],
    ),
    (
        "People team",
        "chloe",
        "2025-02-03",
        "Hiring, onboarding, contracts, leave, pay questions, learning and everything else about "
        "working here.",
        [
            "Ana Sousa (Chief People Officer)",
            "Chloé Martin (HR business partner)",
            "Yusuf Demir (recruiting)",
            "Mia Schulz (HR operations, payroll Germany)",
        ],
        "#people, people@larkspur.example",
        [
            "Annual leave policy",
            "Onboarding checklist for new hires",
            "Leavers: exit checklist",
            "Parental leave policy",
            "Remote work policy 2025",
        ],
    ),
    (
        "IT helpdesk",
        "erin",
        "2024-11-18",
        "Laptops, accounts, passwords, phones, printers and the office networks, for everyone in "
        "every office.",
        [
            "Erin Walsh (lead)",
            "Marco Bianchi (Berlin)",
            "Sam O'Neill (London)",
            "Diego Alvarez (Austin, also Toronto remotely)",
        ],
        "help.larkspur.example, +49 30 5550 4357, #it-help",
        [
            "How to reset your password",
            "VPN troubleshooting",
            "Ordering a new laptop or monitor",
            "IT setup for new starters",
        ],
    ),
    (
        "Platform team",
        "dmitri",
        "2024-06-03",
        "We run production: the cloud accounts, Kubernetes, databases, CI, deploys, monitoring "
        "and the on-call rotation.",
        [
            "Dmitri Volkov (head of platform)",
            "Aisha Khan",
            "Lars Nilsson",
            "Wei Zhang",
            "Pedro Santos",
        ],
        "#platform, page the on-call engineer for outages",
        [
            "On-call rotation (platform team)",
            "Database backups",
            "Rolling back a bad deploy",
            "Escalation policy for production incidents",
        ],
    ),
    (
        "Security team",
        "farah",
        "2024-04-29",
        "Keeping Larkspur and our customers' data safe: policies, access, phishing training, "
        "security reviews of new tools, and incident response.",
        ["Farah Haddad (security lead)", "Jan Kowalski (security engineer)"],
        "#security, security@larkspur.example",
        [
            "Information security policy",
            "Password policy",
            "Security incident response",
            "Reporting a phishing email",
        ],
    ),
    (
        "Facilities team",
        "goran",
        "2023-11-27",
        "Offices, desks, meeting rooms, the kitchens, moves and building works, and the office "
        "managers in each city.",
        [
            "Goran Petrović (Berlin)",
            "Lucía Romero (London and Lisbon, also Singapore)",
            "Hannah Reyes (Austin and Toronto)",
        ],
        "#facilities, facilities@larkspur.example",
        ["Berlin office guide", "Booking meeting rooms", "Clean desk policy"],
    ),
    (
        "Legal and data protection",
        "ines",
        "2024-03-04",
        "Contracts, compliance, data protection (we are the data protection officer's team), "
        "trademarks and disputes.",
        [
            "Inês Duarte (general counsel)",
            "Felix Braun (data protection officer)",
            "Olivia Grant (commercial counsel, UK)",
        ],
        "legal@larkspur.example, privacy@larkspur.example",
        [
            "Data retention policy",
            "Subject access requests",
            "Gifts and hospitality policy",
            "Whistleblowing procedure",
        ],
    ),
    (
        "Sales operations",
        "kwame",
        "2024-02-12",
        "We keep the sales machine running: the CRM, territories, quotas, pricing approvals and "
        "sales reporting.",
        ["Kwame Mensah (lead)", "Julia Weber", "Ryan Cole (Austin)"],
        "#sales-ops",
        ["Sales organization and territories", "Lessons learned: CRM migration"],
    ),
    (
        "Engineering",
        "jonas",
        "2025-01-13",
        "Five product teams build the customer portal, the mobile app and the public API; the "
        "platform team runs them.",
        [
            "Priya Raman (CTO)",
            "Jonas Berg (engineering manager, portal)",
            "Keiko Tanaka (engineering manager, mobile)",
            "Omar Farouk (engineering manager, API)",
        ],
        "#engineering",
        [
            "Engineering onboarding: the first two weeks",
            "Deploying the customer portal",
            "Release checklist",
            "Feature flags",
        ],
    ),
    (
        "Customer support",
        "kwame",
        "2023-08-14",
        "Answering customers by email, chat and phone in English, German, Portuguese and "
        "Spanish, from Lisbon, Austin and Singapore so that someone is always awake.",
        [
            "Rita Gomes (head of support, Lisbon)",
            "Carlos Ruiz",
            "Emily Tan (Singapore)",
            "Jake Miller (Austin)",
        ],
        "#support, support@larkspur.example",
        ["Glossary: SLA", "Escalation policy for production incidents"],
    ),
    (
        "Data team",
        "dmitri",
        "2023-05-22",
        "The data warehouse, dashboards and the numbers behind every board report.",
        ["Nadia Petrova (lead)", "Hugo Laurent", "Sara Lind"],
        "#data-help",
        ["Oncall rotation (data team, 2020, superseded)", "Handling personal data in spreadsheets"],
    ),
    (
        "Marketing",
        "kwame",
        "2024-09-09",
        "Brand, website, events, the newsletter and everything customers read about us before "
        "they talk to sales.",
        ["Laura Becker (head of marketing)", "Nico Costa (events)", "Grace Lee (content)"],
        "#marketing",
        ["Email signature guidelines", "Lessons learned: conference booth at Web Summit 2023"],
    ),
]

for _name, _author, _date, _mission, _people, _contact, _owns in TEAMS:
    _members = "\n".join(f"* {person}" for person in _people)
    _links = "\n".join(f"* [[{title}]]" for title in _owns)
    _body = (
        f"{_mission}\n\n## Who we are\n\n{_members}\n\n## How to reach us\n\n{_contact}\n\n"
        f"## Pages we look after\n\n{_links}\n"
    )
    page(_name, "team", _author, _date, _body)


# ---------------------------------------------------------------------- meeting notes

# What meetings talked about: (heading, notes, action). Each meeting below picks some.
TOPICS = {
    "close": (
        "Month-end close",
        "Close finished on working day 5. The delay came from late accruals for consulting "
        "work; departments will get a reminder on the 25th.",
        "Bruno: send the accruals reminder template to budget owners",
    ),
    "spendly": (
        "Spendly rollout",
        "Germany and the UK are live; the US follows in January. People like the receipt "
        "photos; managers ask for a weekly digest instead of one email per claim.",
        "Amara: ask Spendly about approval digests",
    ),
    "travel_draft": (
        "New travel policy (draft)",
        "Draft discussed. Proposal: raise the director threshold from 3,000 EUR to 5,000 EUR "
        "because almost every intercontinental trip crosses 3,000 now. Premium economy for "
        "flights over six hours. To be approved by the CFO in January.",
        "Bruno: final draft of the travel policy to the CFO",
    ),
    "duplicate": (
        "Duplicate payment in August",
        "The Nordlicht invoice was paid twice; the money is back. The post-mortem is written. "
        "The duplicate-number check goes live next week.",
        "Amara: confirm the duplicate check with the tool vendor",
    ),
    "audit": (
        "Audit preparation",
        "The auditors arrive on 3 March. They want the revenue cut-off tests and the fixed "
        "asset register early this year.",
        "Bruno: share the audit request list with each owner",
    ),
    "budget": (
        "Budget for next year",
        "Departments submit their headcount plans by 15 October. Travel budgets are cut by "
        "10 % except for sales.",
        "Stefan: budget template out by Friday",
    ),
    "payroll_late": (
        "Late salaries in March",
        "The bank rejected the payroll file because of an expired certificate; salaries were "
        "three days late. Letters sent; overdraft fees refunded on request.",
        "Bruno: add bank certificates to the expiry alerts",
    ),
    "vpn_migration": (
        "VPN migration",
        "WireGuard pilot with 40 people went well; connection drops are down from several a "
        "day to none. AnyConnect is switched off on 30 June.",
        "Erin: announce the switch-off date company-wide",
    ),
    "laptops": (
        "Laptop refresh",
        "62 laptops are due this year. Engineers asked for more memory; approved for the "
        "build machines only.",
        "Erin: order the first batch of 20",
    ),
    "okta": (
        "Okta rollout",
        "35 applications connected, 12 to go. HubSpot and the HR portal next. The VPN will "
        "authenticate through Okta once it is done.",
        "Farah: list the applications that support neither SAML nor OpenID Connect",
    ),
    "printers": (
        "Printer contract",
        "The Kyocera lease ends in May. Quotes from three vendors; Ricoh is cheapest for colour "
        "pages.",
        "Erin: compare quotes including toner",
    ),
    "wifi_berlin": (
        "Wi-Fi on the 5th floor",
        "Complaints about calls dropping in the phone booths. Two more access points ordered.",
        "Goran: book the electrician for the access points",
    ),
    "phishing_test": (
        "Phishing test results",
        "The spring phishing test: 9 % clicked, 2 % entered a password (last year 14 % and 5 %). "
        "Reporting rate rose to 61 %.",
        "Farah: short refresher video for the teams with most clicks",
    ),
    "oncall_noise": (
        "On-call noise",
        "Last rotation had 46 pages, 31 of them from the disk-space alert on the logging "
        "cluster. Agreed to raise its threshold and page only in working hours.",
        "Lars: change the disk alert",
    ),
    "deploy_pipeline": (
        "Deploy pipeline",
        "Deploys take 25 minutes end to end; the image build is half of it. Caching layers "
        "should bring it to 12.",
        "Wei: build cache experiment",
    ),
    "backup_alerts": (
        "Backup alerts",
        "After the failed restore test, backup alerts now page on-call. The next restore "
        "rehearsal is in November.",
        "Dmitri: schedule the rehearsal",
    ),
    "cloud_costs": (
        "Cloud costs",
        "The bill rose 18 % in a quarter, mostly storage for old logs. Retention for debug logs "
        "goes down to 14 days.",
        "Aisha: lifecycle rules on the log buckets",
    ),
    "onboarding_feedback": (
        "Onboarding feedback",
        "New starters rate the first week 4.2/5. Most common complaint: accounts not ready on "
        "day one. IT now gets the ticket ten days ahead.",
        "Chloé: update the onboarding checklist",
    ),
    "leave_review": (
        "Leave policy review",
        "Benchmark done: 28 days is in line with the market in Germany and generous in the US. "
        "Proposal: one policy for everyone from January.",
        "Chloé: draft the new annual leave policy",
    ),
    "remote_survey": (
        "Hybrid work survey",
        "72 % want two or three office days; Fridays at home is the most popular wish. Teams "
        "want fixed days so that people actually meet.",
        "Ana: proposal for fixed office days to the leadership team",
    ),
    "parental": (
        "Parental leave",
        "Leadership approved 20 weeks at full pay for the primary carer, 6 for the second "
        "parent, in every country.",
        "Chloé: publish the parental leave policy",
    ),
    "office_move_plan": (
        "Office move",
        "Moving day is Friday 9 October. Movers booked, network ordered for the new building. "
        "Everyone packs their desk by Thursday evening.",
        "Goran: confirm the fibre installation date with the landlord",
    ),
    "office_move_after": (
        "After the move",
        "Network finally live on day eight. Chairs arrived on Wednesday. The lessons learned "
        "page is being written.",
        "Goran: lessons learned page",
    ),
    "london_works": (
        "London refurbishment",
        "Floor 3 done, floor 2 starts next week. Desk moves announced a week ahead. Noisy work "
        "only before 10:00 and after 17:00.",
        "Lucía: desk plan for floor 2",
    ),
    "parking": (
        "Parking spaces",
        "The garage raised the price per space by 15 %. We keep the spaces; usage is above 80 % "
        "on office days.",
        "Goran: renew the garage contract",
    ),
    "coffee": (
        "Coffee machine",
        "The espresso machine broke again. Service contract covers it; a replacement comes Monday.",
        "Goran: ask for a loan machine",
    ),
    "okrs": (
        "Company OKRs",
        "Revenue at 96 % of target, churn down to 1.1 % a month. Next quarter's focus: the new "
        "API and the Toronto team.",
        "Marta: publish the OKRs on the wiki",
    ),
    "new_office": (
        "Toronto office",
        "We open a small office in Toronto in June in a co-working space, for sales and support "
        "in Canada.",
        "Hannah: sign the co-working contract",
    ),
    "hiring_freeze": (
        "Hiring",
        "Hiring is paused except for replacements until the end of the second quarter.",
        "Ana: tell managers before the all-hands",
    ),
    "security_incidents": (
        "Security incidents",
        "Two incidents this quarter: a laptop stolen from a car (encrypted, no data lost) and "
        "a shared document link that was public for a day.",
        "Farah: write up both incidents",
    ),
    "ai_tools": (
        "AI assistants",
        "The approved AI assistant is live for everyone. Usage after a month: 70 % of people "
        "tried it, 35 % use it weekly. Reminder: no customer data in tools that are not on the "
        "approved list.",
        "Farah: publish the AI tools policy on the wiki",
    ),
    "lisbon_leak": (
        "Lisbon water leak",
        "The repairs after the leak are finished; the meeting room is usable again. The "
        "landlord's insurance pays for the damaged furniture.",
        "Lucía: close the insurance claim",
    ),
    "retention_review": (
        "Data retention",
        "The retention schedule is five years old. Log files are kept a year, which is longer "
        "than we need; applicants' CVs twelve months, longer than the law allows.",
        "Inês: new data retention policy",
    ),
}

MEETINGS = [
    # (series, date, author, attendees, topics)
    (
        "Finance team meeting",
        "2022-09-06",
        "amara",
        "Stefan, Bruno, Amara, Lena",
        ["close", "duplicate"],
    ),
    (
        "Finance team meeting",
        "2022-10-04",
        "amara",
        "Stefan, Bruno, Amara, Lena, Tom",
        ["budget", "close"],
    ),
    (
        "Finance team meeting",
        "2023-10-10",
        "bruno",
        "Stefan, Bruno, Amara, Lena",
        ["spendly", "budget"],
    ),
    (
        "Finance team meeting",
        "2024-02-13",
        "bruno",
        "Stefan, Bruno, Amara, Tom",
        ["audit", "close"],
    ),
    (
        "Finance team meeting",
        "2024-04-09",
        "bruno",
        "Stefan, Bruno, Amara, Lena, Tom",
        ["payroll_late", "close"],
    ),
    (
        "Finance team meeting",
        "2024-12-10",
        "bruno",
        "Stefan, Bruno, Amara, Lena",
        ["travel_draft", "spendly"],
    ),
    (
        "IT steering group",
        "2021-03-09",
        "erin",
        "Priya, Erin, Farah, Marco",
        ["vpn_migration", "laptops"],
    ),
    ("IT steering group", "2022-04-12", "erin", "Priya, Erin, Farah, Sam", ["okta", "printers"]),
    (
        "IT steering group",
        "2023-05-09",
        "erin",
        "Priya, Erin, Farah, Diego",
        ["laptops", "phishing_test"],
    ),
    (
        "IT steering group",
        "2024-03-12",
        "erin",
        "Priya, Erin, Farah, Goran",
        ["wifi_berlin", "phishing_test"],
    ),
    (
        "Platform team retro",
        "2022-11-18",
        "dmitri",
        "Dmitri, Aisha, Lars, Wei, Pedro",
        ["oncall_noise", "deploy_pipeline"],
    ),
    (
        "Platform team retro",
        "2023-09-01",
        "dmitri",
        "Dmitri, Aisha, Lars, Wei",
        ["backup_alerts", "oncall_noise"],
    ),
    (
        "Platform team retro",
        "2024-08-30",
        "dmitri",
        "Dmitri, Aisha, Lars, Wei, Pedro",
        ["cloud_costs", "deploy_pipeline"],
    ),
    (
        "People team sync",
        "2022-05-17",
        "chloe",
        "Ana, Chloé, Yusuf, Mia",
        ["onboarding_feedback", "parental"],
    ),
    (
        "People team sync",
        "2024-06-11",
        "chloe",
        "Ana, Chloé, Mia",
        ["leave_review", "onboarding_feedback"],
    ),
    (
        "People team sync",
        "2024-11-19",
        "chloe",
        "Ana, Chloé, Yusuf, Mia",
        ["remote_survey", "leave_review"],
    ),
    (
        "Facilities weekly",
        "2020-09-21",
        "goran",
        "Goran, Lucía, Hannah",
        ["office_move_plan", "coffee"],
    ),
    (
        "Facilities weekly",
        "2020-10-19",
        "goran",
        "Goran, Lucía, Hannah",
        ["office_move_after", "parking"],
    ),
    (
        "Facilities weekly",
        "2024-09-23",
        "lucia",
        "Goran, Lucía, Hannah",
        ["london_works", "parking"],
    ),
    ("Facilities weekly", "2025-06-02", "goran", "Goran, Lucía, Hannah", ["coffee", "parking"]),
    ("All-hands notes", "2021-04-15", "chloe", "everyone", ["okrs", "new_office"]),
    ("All-hands notes", "2023-04-20", "chloe", "everyone", ["okrs", "hiring_freeze"]),
    ("All-hands notes", "2025-01-16", "chloe", "everyone", ["okrs", "remote_survey"]),
    (
        "Security council",
        "2022-03-29",
        "farah",
        "Farah, Priya, Inês, Erin",
        ["security_incidents", "okta"],
    ),
    (
        "Security council",
        "2023-12-12",
        "farah",
        "Farah, Priya, Inês, Jan",
        ["retention_review", "phishing_test"],
    ),
    (
        "Security council",
        "2026-03-10",
        "farah",
        "Farah, Priya, Inês, Jan",
        ["ai_tools", "phishing_test"],
    ),
    ("All-hands notes", "2026-01-15", "chloe", "everyone", ["okrs", "ai_tools"]),
    (
        "Facilities weekly",
        "2026-02-16",
        "lucia",
        "Goran, Lucía, Hannah",
        ["lisbon_leak", "parking"],
    ),
]

for _series, _date, _author, _attendees, _topics in MEETINGS:
    _parts = [f"**Attendees:** {_attendees}"]
    _actions = []
    for _key in _topics:
        _heading, _notes, _action = TOPICS[_key]
        _parts.append(f"## {_heading}\n\n{_notes}")
        _actions.append(f"- [ ] {_action}")
    _parts.append("## Actions\n\n" + "\n".join(_actions))
    page(f"{_series} {_date}", "meeting notes", _author, _date, "\n\n".join(_parts))


# ---------------------------------------------------------------------- working here

page(
    "Public holidays 2025 by office",
    "leave, holidays, offices",
    "lucia",
    "2024-12-02",
    """
    Offices are closed on their local public holidays; you have the day off on top of your
    annual leave.

    | office | public holidays 2025 |
    | --- | --- |
    | Berlin | 1 Jan, 8 Mar, 18 Apr, 21 Apr, 1 May, 29 May, 9 Jun, 3 Oct, 25-26 Dec |
    | London | 1 Jan, 18 Apr, 21 Apr, 5 May, 26 May, 25 Aug, 25-26 Dec |
    | Lisbon | 1 Jan, 18 Apr, 20 Apr, 25 Apr, 1 May, 10 Jun, 13 Jun, 19 Jun, 15 Aug, 5 Oct, 1 Nov, 1 Dec, 8 Dec, 25 Dec |
    | Austin | 1 Jan, 20 Jan, 26 May, 4 Jul, 1 Sep, 27-28 Nov, 25 Dec |
    | Toronto | 1 Jan, 17 Feb, 18 Apr, 19 May, 1 Jul, 4 Aug, 1 Sep, 13 Oct, 25-26 Dec |
    | Singapore | 1 Jan, 29-30 Jan, 31 Mar, 18 Apr, 1 May, 12 May, 7 Jun, 9 Aug, 20 Oct, 25 Dec |

    Working on a public holiday (on-call, say) earns a day off in lieu.
    """,
)

page(
    "Public holidays 2026 by office",
    "leave, holidays, offices",
    "lucia",
    "2025-12-01",
    """
    The 2026 list, for planning. Dates move for Easter and for holidays that fall on a
    weekend.

    | office | public holidays 2026 |
    | --- | --- |
    | Berlin | 1 Jan, 8 Mar, 3 Apr, 6 Apr, 1 May, 14 May, 25 May, 3 Oct, 25-26 Dec |
    | London | 1 Jan, 3 Apr, 6 Apr, 4 May, 25 May, 31 Aug, 25 Dec, 28 Dec |
    | Lisbon | 1 Jan, 3 Apr, 5 Apr, 25 Apr, 1 May, 4 Jun, 10 Jun, 13 Jun, 15 Aug, 5 Oct, 1 Nov, 1 Dec, 8 Dec, 25 Dec |
    | Austin | 1 Jan, 19 Jan, 25 May, 3 Jul, 7 Sep, 26-27 Nov, 25 Dec |
    | Toronto | 1 Jan, 16 Feb, 3 Apr, 18 May, 1 Jul, 3 Aug, 7 Sep, 12 Oct, 25-26 Dec |
    | Singapore | 1 Jan, 17-18 Feb, 21 Mar, 3 Apr, 1 May, 27 May, 31 May, 9 Aug, 8 Nov, 25 Dec |
    """,
)

page(
    "Learning budget",
    "benefits, learning, hr",
    "chloe",
    "2024-02-19",
    """
    Everyone has 1,000 EUR a year (or the same in local currency) and three days for
    learning: courses, books, conferences, certifications. Your manager approves in the HR
    portal; book conferences through Voyago like any trip. Unused budget does not carry
    over.
    """,
)

page(
    "Conference attendance",
    "travel, learning, events",
    "chloe",
    "2023-01-30",
    """
    Going to a conference as a visitor comes out of your learning budget; speaking at one is
    paid by the company (ask marketing, they like to know). Share what you learned in a
    short wiki page or at a team meeting. Conference trips follow the travel policy like any
    other business trip.
    """,
)

page(
    "Referral bonus",
    "hiring, benefits, hr",
    "chloe",
    "2022-06-07",
    """
    Recommend someone we hire and you get 2,000 EUR (or the equivalent) after they pass
    probation. Submit referrals through the careers page's referral form, not by email, so
    that we can show who referred whom. Managers cannot get the bonus for their own team.
    """,
)

page(
    "Probation period",
    "hr, policy",
    "chloe",
    "2021-10-04",
    """
    New employees have six months of probation in Germany and Portugal, three in the UK and
    Singapore; in the US and Canada employment is at will. The manager holds a review in the
    last month and confirms the result in the HR portal.
    """,
)

page(
    "Performance reviews",
    "hr, managers",
    "chloe",
    "2024-10-07",
    """
    Reviews happen twice a year, in April and October: a self-assessment, feedback from two
    or three colleagues and a conversation with your manager. Ratings are calibrated across
    teams before salary changes are decided in the October round.
    """,
)

page(
    "Sabbatical",
    "leave, hr",
    "chloe",
    "2022-12-05",
    """
    After five years at Larkspur you can take an unpaid sabbatical of one to three months
    once every five years. Ask your manager six months ahead; your job and your benefits
    are kept. Annual leave is still earned during the sabbatical.
    """,
)

page(
    "Pension scheme (UK)",
    "benefits, uk, payroll",
    "lucia",
    "2023-04-03",
    """
    UK employees are enrolled in the company pension with Aviva. Larkspur pays 6 % of
    salary, you pay 4 % by default (salary sacrifice, so it saves National Insurance). You
    can change your contribution in the Aviva portal at any time.
    """,
)

page(
    "401(k) plan (US)",
    "benefits, us, payroll",
    "hannah",
    "2024-01-08",
    """
    US employees can join the 401(k) plan from their first day. We match 100 % of your
    contributions up to 4 % of salary, vested immediately. Enrol and pick your investments
    in the Guideline app; changes take effect with the next pay cycle.
    """,
)

page(
    "Working hours and overtime",
    "hr, policy",
    "chloe",
    "2020-08-17",
    """
    Full time is 40 hours a week with flexible hours between 07:00 and 20:00. Overtime must
    be agreed with your manager beforehand and is taken as time off within three months.
    German law limits work to ten hours a day; please respect it.
    """,
)

page(
    "Company phones",
    "mobile, it, hardware",
    "erin",
    "2022-05-09",
    """
    Sales, support leads, on-call engineers and managers get a company iPhone. Order it with
    a helpdesk request; it arrives enrolled and ready. Personal use is fine within the EU
    roaming allowance. Everyone else may use their own phone under the BYOD rules.
    """,
)

page(
    "1Password for teams",
    "passwords, security, how-to",
    "farah",
    "2023-05-15",
    """
    Every employee has a 1Password account; sign in with your email and the secret key from
    the welcome email (keep the emergency kit somewhere safe). Teams share credentials in
    vaults named after the team. To give a colleague a password, add it to a shared vault,
    never paste it into chat.
    """,
)

page(
    "Video calls and meeting room screens",
    "offices, it, how-to",
    "erin",
    "2024-04-15",
    """
    All meeting rooms have a Teams Room screen with camera and microphone. Book the room in
    Outlook with a Teams link and the screen shows a **Join** button. To share your screen,
    join the meeting from your laptop too, with its sound off. Problems: the number of the
    helpdesk is on the screen.
    """,
)

page(
    "Hot desking and booking a desk",
    "offices, facilities, how-to",
    "goran",
    "2025-03-24",
    """
    Since the two office days were introduced, desks in Berlin and London are not assigned.
    Book a desk in the facilities app the day before; team zones are marked on the floor
    plan. Clear the desk when you leave: lockers are on every floor.
    """,
)

page(
    "Fire safety and evacuation",
    "safety, offices, facilities",
    "goran",
    "2021-03-01",
    """
    When the alarm sounds, leave by the nearest stairs (never the lift) and go to the
    assembly point shown on the floor plan by each exit. Fire wardens (yellow vests) sweep
    their area and report to the assembly point. Do not go back in until the fire brigade or
    the building manager says so.
    """,
)

page(
    "Visitor policy",
    "offices, security, facilities",
    "goran",
    "2022-01-31",
    """
    Register visitors in the facilities app the day before. They sign in at reception, wear
    a visitor badge, and are accompanied in our floors at all times. Visitors get guest
    network access from reception; they never use staff desks with docking stations.
    """,
)

page(
    "Office move checklist",
    "facilities, checklist, office move",
    "goran",
    "2021-02-08",
    """
    For the next time an office moves, based on the 2020 Berlin move
    ([[Lessons learned: the 2020 Berlin office move]]).

    - [ ] One move coordinator named, with a deputy
    - [ ] Network and phones live and tested two weeks before moving day
    - [ ] Movers booked with a penalty clause; a backup company on call
    - [ ] Furniture delivery address checked twice
    - [ ] Moving day on a Thursday; people work from home on Friday
    - [ ] Floor plans and desk numbers sent a week ahead
    """,
)

page(
    "Summer party 2022 (Berlin)",
    "events, berlin",
    "goran",
    "2022-07-04",
    """
    The summer party is on Friday 15 July 2022 from 16:00 on the roof terrace, catered by
    Nordlicht Catering (vegetarian and vegan options, tell us about allergies in the form).
    Partners are welcome. The office closes at 15:00 that day.
    """,
)

page(
    "Holiday party 2023",
    "events",
    "lucia",
    "2023-11-20",
    """
    Each office celebrates the end of the year on the first Thursday of December 2023:
    Berlin at Holzmarkt, London at the Hanbury, Lisbon at Time Out Market, Austin at the
    office with a taco truck, Toronto and Singapore with team dinners. The company pays up
    to 120 EUR a head including drinks.
    """,
)

page(
    "Book club",
    "culture, social",
    "ines",
    "2021-09-20",
    """
    We read one book a month and meet online on the last Thursday at 17:00 Berlin time (so
    that Austin can join at lunch). The company buys the books. Suggestions in #book-club;
    we vote at the end of each meeting.
    """,
)

page(
    "Sustainability at Larkspur",
    "sustainability, company",
    "goran",
    "2024-05-27",
    """
    Our footprint comes mostly from flights and from the cloud. We prefer trains under four
    hours, offset the flights we still take, run our cloud in regions with low-carbon power,
    and sell or donate old laptops. Ideas welcome in #green.
    """,
)

page(
    "Invoicing customers",
    "finance, accounts receivable",
    "amara",
    "2023-06-12",
    """
    Customer invoices are generated by the billing system on the first of each month and
    emailed to the billing contact. Payment term: 30 days. Credit notes need the account
    manager's and the controller's approval. Questions from customers go to
    ar@larkspur.example.
    """,
)

page(
    "Chasing late customer payments",
    "finance, accounts receivable",
    "amara",
    "2024-08-05",
    """
    Reminders go out automatically 7, 21 and 35 days after the due date. After the third,
    the account manager calls the customer. After 60 days the account is suspended with
    the CFO's approval, and after 90 days it goes to the collection agency.
    """,
)

page(
    "Per diems and meal allowances",
    "travel, expenses, finance",
    "bruno",
    "2025-02-10",
    """
    On business trips you get a daily allowance for meals instead of claiming receipts:
    the German tax table's rate for the country (Germany 28 EUR for a full day, 14 EUR for
    the days of arrival and departure). Breakfast included in the hotel reduces it by
    20 %. Voyago adds the per diems to your trip and Spendly pays them.
    """,
)

page(
    "Interview guidelines",
    "hiring, managers",
    "chloe",
    "2023-02-06",
    """
    Every candidate for a role gets the same questions and the same exercise, and every
    interviewer writes their assessment before reading the others'. Do not ask about
    family plans, age, religion or health. Feedback within two working days of the
    interview.
    """,
)

page(
    "Status page",
    "incident, support, platform",
    "dmitri",
    "2022-02-14",
    """
    status.larkspur.example shows customers whether the portal, the API and the mobile app
    work. It is hosted outside our infrastructure since the 2021 outage. Support updates it
    during incidents; the on-call engineer tells support what to write.
    """,
)

page(
    "Internal transfers between offices",
    "hr, offices, relocation",
    "chloe",
    "2024-03-25",
    """
    Want to move to another Larkspur office? Talk to your manager first, then the People
    team checks the visa and contract questions. We pay the relocation up to 5,000 EUR
    within Europe and 10,000 EUR between continents, plus two weeks in a furnished flat.
    """,
)


# ---------------------------------------------------------------------- 2026

page(
    "Deploy freeze calendar 2026",
    "deploy, engineering, calendar",
    "jonas",
    "2025-11-24",
    """
    No production deploys, except fixes approved by the head of engineering, during:

    * 18 December 2025 to 5 January 2026 (holidays);
    * 27-31 March 2026, 24-30 June 2026, 25-30 September 2026 (quarter ends);
    * 17 December 2026 to 4 January 2027.

    Replaces the [[Deploy freeze calendar 2025]]. Staging deploys continue as normal.
    """,
)

page(
    "AI tools policy",
    "security, policy, ai",
    "farah",
    "2026-03-16",
    """
    You may use the company's approved AI assistant (listed in Self Service) for any work,
    including internal documents and code. Other AI tools, including free chatbots in the
    browser, may only see public information: never paste customer data, personal data,
    contracts, credentials or unreleased code into them.

    Check what an assistant produces before you use it: you are responsible for the result,
    as with any other tool. New AI tools go through the usual security review
    ([[Software licence requests]]).
    """,
)

page(
    "Post-mortem: water leak in the Lisbon office",
    "post-mortem, facilities, lisbon, lessons learned",
    "lucia",
    "2026-01-26",
    """
    ## Summary

    On Saturday 10 January 2026 a pipe burst in the flat above our Lisbon office. Water ran
    through the ceiling of the meeting room over the weekend; the room's screen, twelve
    chairs and the carpet were ruined. The office was closed on Monday and Tuesday while it
    dried; everyone worked from home.

    ## What went badly

    * The building's porter noticed on Saturday but had no contact number for us.
    * The network cabinet is in the same room; it survived only because it stands on legs.

    ## Actions

    * Emergency contacts for every office are given to each landlord and porter (done).
    * Water sensors with alerts in the rooms under wet areas, in every office.
    * Network equipment moves out of the meeting room in Lisbon.
    """,
)

page(
    "Travel policy 2025: questions and answers",
    "travel, finance, faq",
    "bruno",
    "2026-02-02",
    """
    Answers to the questions Finance hears most about the [[Travel policy 2025]].

    **Does the 5,000 EUR limit count per person or per team trip?** Per person. A team of
    four going to a customer for 2,000 EUR each does not need a director.

    **Who is my director?** The person your manager reports to, as shown in the org chart.

    **Can I add private days to a business trip?** Yes, if the flight costs no more; hotel
    nights for the private days you pay yourself.

    **My train was cancelled and I had to take a taxi.** Claim it in Spendly with a note;
    it is always paid back.
    """,
)

page(
    "Decision: replace the Berlin coffee machine with two smaller ones",
    "decision, berlin, facilities",
    "goran",
    "2026-04-27",
    """
    **Status:** accepted, 2026-04-27

    ## Context

    The big espresso machine on the 5th floor broke down six times in a year, and on office
    days the queue reached 20 minutes at 09:30.

    ## Decision

    Two smaller machines, one on each floor, bought rather than leased.

    ## Consequences

    Shorter queues and no service contract. Facilities descales them every Friday.
    """,
)

page(
    "Oncall swaps and holidays",
    "oncall, platform",
    "dmitri",
    "2026-05-11",
    """
    Planning a holiday during your oncall week? Swap the week in PagerDuty at least two
    weeks ahead and tell the team in #platform. Public holidays count like weekends for pay.
    Over Christmas the week is split in two half-weeks so that nobody covers both Christmas
    and New Year.
    """,
)

page(
    "Expense claims for home office equipment",
    "expenses, remote work, finance",
    "amara",
    "2026-09-14",
    """
    Equipment for home (monitor, keyboard, mouse, headset) is ordered through the helpdesk
    portal, not claimed. What you can claim in Spendly: the internet allowance of 25 EUR a
    month (category *Home office*), and a desk chair up to 250 EUR once every five years,
    with the receipt.
    """,
)

page(
    "Wi-Fi upgrade in all offices (2026)",
    "wifi, it, offices",
    "erin",
    "2026-10-05",
    """
    Between October and December 2026 the access points in every office are replaced with
    Wi-Fi 7 models. Each office loses its wireless network for one evening (announced a week
    ahead). Nothing changes for you: same network name, same SSO login. The guest network
    gets a new name, *Larkspur-Visitors*.
    """,
)


# ---------------------------------------------------------------------- output


def main() -> None:
    titles = [p["title"] for p in PAGES]
    duplicates = {t for t in titles if titles.count(t) > 1}
    if duplicates:
        raise SystemExit(f"titles used twice: {sorted(duplicates)}")
    path = HERE / "pages.json"
    path.write_text(json.dumps(PAGES, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(PAGES)} pages written to {path.name}")


if __name__ == "__main__":
    main()
