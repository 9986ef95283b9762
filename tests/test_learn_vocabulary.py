"""The person's store: words, n-grams and sentence tails derived from what they said."""

from aac.predict.learn.vocabulary import (
    BOS, Vocabulary, context_keys, sentence_so_far, split_sentences, words_of,
)


def make(*sentences: str) -> Vocabulary:
    v = Vocabulary()
    for i, s in enumerate(sentences):
        v.add(s, float(i))
    return v


def test_words_keep_apostrophes_and_unicode():
    assert words_of("I don't like Zoë's café, OK?") == ["I", "don't", "like", "Zoë's", "café", "OK"]


def test_split_message_into_sentences():
    assert split_sentences("I am hungry. Can you help?  yes\nthanks") == ["I am hungry.", "Can you help?", "yes", "thanks"]
    assert split_sentences("  ...  ") == []


def test_context_is_the_current_sentence_only():
    assert sentence_so_far("I am hungry. Can you ") == " Can you "
    assert context_keys("I am hungry. Can you ") == [BOS, "can", "you"]
    assert context_keys("") == [BOS]


def test_counts_surface_forms_and_recency():
    v = make("Tom is here", "tom is late", "Where is Tom?")
    assert v.unigrams["tom"] == 3 and v.unigrams["is"] == 3
    assert v.display("tom") == "Tom"  # the spelling used most
    assert v.sentences_since("where") == 0 and v.sentences_since("late") == 1
    assert v.ngrams[(BOS,)]["tom"] == 2
    assert v.ngrams[("tom", "is")]["here"] == 1


def test_word_distribution_prefers_longer_context_and_filters_prefix():
    v = make("I want water", "I want tea", "you want water", "water please")
    dist = v.word_distribution([BOS, "i", "want"], "")
    probs = dist.as_dict()
    assert dist.order == 3 and dist.evidence == 2
    assert abs(sum(probs.values()) - 1.0) < 1e-9
    assert probs["water"] > probs["please"] and probs["tea"] > probs["you"]
    assert [k for k, _ in dist.top(2)] == ["water", "tea"]
    dist = v.word_distribution([BOS, "i", "want"], "t")
    assert [k for k, p in dist.as_dict().items() if p > 0] == ["tea"]
    assert not v.word_distribution([BOS], "zz")


def test_a_sentence_said_before_comes_back_as_an_ending():
    v = make("Please pass the water, thank you.")
    ends = v.endings(context_keys("Could you pass "), "t")
    assert ends and ends[0].text == "the water, thank you."
    assert ends[0].matched == 1 and not ends[0].from_start
    again = v.endings(context_keys(""), "ple")
    assert again[0].text == "Please pass the water, thank you." and again[0].from_start


def test_endings_rank_longer_matches_first_and_merge_duplicates():
    v = make("I want to go home", "we want to eat", "I want to go home")
    ends = v.endings(context_keys("I want to "), "")
    assert [e.text for e in ends] == ["go home", "eat"]
    assert ends[0].count == 2 and ends[0].matched == 4


def test_prefix_only_match_when_context_unknown():
    v = make("my arm hurts")
    ends = v.endings(context_keys("suddenly the "), "ar")
    assert [e.text for e in ends] == ["arm hurts"] and ends[0].matched == 0
    assert v.endings(context_keys("suddenly the "), "") == []


def test_remove_between_rebuilds_everything():
    v = make("secret plan tonight", "hello there", "secret plan again")
    assert v.remove_between(0.0, 1.0) == 1
    assert v.unigrams["tonight"] == 0 and "tonight" not in v.unigrams
    assert v.unigrams["secret"] == 1
    assert all(e.text != "plan tonight" for e in v.endings(context_keys("secret "), ""))
