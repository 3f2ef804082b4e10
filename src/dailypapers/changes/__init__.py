"""What changed since an answer was cached: the site's version and the versions of votes.

`site_version` moves with every write to a listed table except votes; `vote_versions` holds
one counter per scope a vote touches (all votes, the paper, each day it is listed on), so a
vote leaves the cached answers about other papers and other days alone.
"""
