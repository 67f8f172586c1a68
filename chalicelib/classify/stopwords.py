"""Function words of English and French: never shown in `why`, which names content words and cues only."""

from __future__ import annotations

STOPWORDS = frozenset(
    """
a an the and or but if then so than that this these those there here it its it's i me my mine we us our ours
you your yours he him his she her hers they them their theirs who whom whose which what when where why how
is am are was were be been being do does did doing done have has had having will would shall should can could
may might must to of in on at by for with from about as into onto over under up down out off again further
once all any both each few more most other some such only own same too very just also not no nor s t d ll m o
re ve y don't doesn't didn't isn't aren't wasn't weren't won't wouldn't can't cannot couldn't shouldn't
i'm i've i'd i'll you're you've we're they're he's she's that's there's what's let's get got go going
one two like really much many even still yet ever every lot lots thing things way via per vs etc
le la les l un une des du de d au aux ce cet cette ces ça cela ceci et ou mais donc or ni car que qu qui quoi
dont où je j tu il elle on nous vous ils elles me m te t se s lui leur leurs mon ma mes ton ta tes son sa ses
notre nos votre vos y en ne n pas plus moins très trop bien tout tous toute toutes avec sans pour par sur sous
dans chez entre vers est sont était étaient été être ai as a avons avez ont avait avaient eu avoir fait faire
suis es sommes êtes c c'est j'ai n'est d'un d'une qu'il si aussi encore déjà comme quand alors puis à après
depuis avant ci fois deux jour jours mois heure heures semaine an ans mise now time times after before since today
yesterday hour hours day days week weeks month months year years ago everytime app application appli
""".split()  # noqa: SIM905 (a word list reads best as text)
)


def is_function_words(phrase: str) -> bool:
    """True when every word of a shown feature ("for a", "the", "NOT and") is a function word."""
    words = [w.strip("'’") for w in phrase.lower().removeprefix("not ").split()]
    return all(w in STOPWORDS or not w for w in words)
