import glob
R = {
 "Your team of four lost": "owns the impact without a checkable claim|Your finance team ended up answering for a failure that was entirely ours.",
 "Starting on 18 November we will test": "empathy, no checkable claim|I know a late salary lands hardest on the people with the least slack in their month.",
 "We reported the breach to the Information Commissioner's Office the day after": "acknowledgement, no checkable claim|You had every right to expect that your results would reach you and nobody else.",
 "Your letter was one of 212": "empathy, no checkable claim|I understand how distressing it is to learn that a stranger may have read your medical details.",
 "We sent our own truck": "acknowledgement, no checkable claim|Your team absorbed the consequences of our mistake, and they shouldn't have had to.",
 "Lisa Harte will send you an on-time report": "invites judgement on future deliveries without a specific promise|I'd rather you judged us on the next few deliveries than on anything I write here.",
 "Our phone lines let you down too": "acknowledgement, no checkable claim|When you rang us for help, you should not have been left waiting.",
 "In total, 3,412 households": "acknowledgement, no checkable claim|You did nothing wrong, and you should not have had to check your bank statement to find our mistake.",
 "There were eight of you": "empathy, no checkable claim|Nobody should be made to feel in the way, least of all on their birthday.",
 "The catch-up collection on Saturday 24 October": "acknowledgement of impacts (overflowing bins, rats), no checkable claim|Residents put up with overflowing bins and rats because we were not watching our own data.",
 "Our contact centre took 410 complaints": "acknowledgement; 'every one' is idiom, not a count|Every one of those complaints was justified.",
 "Nineteen students, Tobi among them": "empathy, no checkable claim|Tobi had worked hard for that resit, and we let him down before he even reached the exam room.",
 "The exams officer post was empty for six weeks": "cause_owner: me, as headteacher; no checkable claim|That responsibility is mine, not Tobi's and not yours.",
 "In all, 9,612 members": "empathy, no checkable claim|Being stuck at a hotel desk with a card that won't work is frightening, and we put you there.",
 "Your card was declined four times": "acknowledgement, no checkable claim|You did the right thing by calling us, and we kept you waiting when you needed help most.",
 "Three people replied to everyone": "acknowledgement, no checkable claim|You give your time and money to young carers, and we repaid that trust carelessly.",
 "We reported what happened to the Information Commissioner's Office the following day": "empathy, no checkable claim|I would understand if you want to think hard before trusting us with your details again.",
 "Your clinic fitted sixty-four braces": "acknowledgement of impact, no checkable claim|Your clinicians now have to contact patients about a product we should have caught before it left us.",
 "We shipped 64 replacements": "empathy, no checkable claim|I know your team has patients to see, and this recall takes time away from them.",
 "Twelve couples ended up at the Bramble Inn": "acknowledgement of impact, no checkable claim|Your couple's first morning as newlyweds began with calls from upset guests, and that was our doing.",
 "We gave away twelve of the thirty rooms": "acknowledgement of impact, no checkable claim|Our failure has landed on your reputation with a couple who trusted you.",
 "Your sync was down for fifty-four hours": "acknowledgement, no checkable claim|Your support team took anger that belonged to us.",
 "v2 was back at 14:00 UTC": "acknowledgement of impact, no checkable claim|Your customers' staff turned up for shifts that had moved, and that confusion started with us.",
 "The return went in eight days late": "acknowledgement; 'never' refers to the past, not a promise|You found out from HMRC before you heard it from us, and that should never have happened.",
 "It was due on 7 October and we filed it": "acknowledgement, no checkable claim|You trusted us to handle this so you could get on with running the business.",
 "You had to contact us nine times": "acknowledgement; 'never' refers to the past, not a promise|You should never have had to chase us for your own money.",
 "Your refund arrived 47 days": "acknowledgement, no checkable claim|Each time you were told it was processing, you were told something that wasn't true.",
 "The exposed files included payslips for 318": "acknowledgement, no checkable claim|Your employees trusted Strand with those documents, and Strand trusted us.",
 "For roughly 65 hours": "acknowledgement of impact, no checkable claim|Your HR team has had to carry the conversations with every employee, and that burden is ours.",
 "You were offline for fifty-one hours": "acknowledgement, no checkable claim|A print shop can't take payments without a working line, and we knew that.",
 "Our engineer failed to turn up for both appointments": "acknowledgement, no checkable claim|Waiting in for an engineer who never arrives is its own kind of insult.",
 "You had to upload the same documents three times": "acknowledgement, no checkable claim|You did everything we asked of you, and we still lost your documents.",
 "Our portal took your documents": "acknowledgement of impact, no checkable claim|Watching rain come through a ceiling you had already reported is miserable, and our delay let it happen.",
 "Go-live is now 18 January 2027": "acknowledgement, no checkable claim|Reporting green while we were struggling took away your chance to plan, and that is the part I regret most.",
 "Harcourt Hall finally opened": "empathy, no checkable claim|You were cut off from your flatmates just when friendships form, and I'm sorry for that.",
 "The hotel was two and a half miles": "empathy, no checkable claim|A hotel room is not a home, and it was no way to start university.",
 "Fifty-eight of your account managers": "recipient_contribution paraphrased, no checkable claim|Thank you to your team for catching the gap so quickly; it stopped more stale quotes going out.",
 "Your afternoon lost 45 minutes": "recipient_contribution, no checkable claim|Thank you for rearranging the afternoon on the spot so that no speaker lost their slot.",
 "You first told us about the mould on 7 July": "acknowledgement; nothing blames the tenant (must_not_say: lifestyle)|Nothing about the way you live caused this; the delay was ours.",
 "You called us five times": "acknowledgement, no checkable claim|Your daughter's health should have made this our most urgent job, and we treated it as routine.",
 "You've received 1,488 photographs": "acknowledgement of impact, no checkable claim|Your grandparents came for the ceremony, and I can't give you those pictures of them.",
}
used = set()
for p in sorted(glob.glob("claims_*.txt")):
    out = []
    for line in open(p):
        parts = line.rstrip("\n").split("|", 3)
        if len(parts) == 4:
            for k, v in R.items():
                if parts[3].startswith(k):
                    assert parts[0] == "T", line
                    line = "T|none|" + v + "\n"; used.add(k); break
        out.append(line)
    open(p, "w").write("".join(out))
print("unused", set(R) - used)
