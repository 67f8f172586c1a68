"""comprehend and bedrock backends against botocore Stubber: requests, batching, mapping, fallback."""

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from chalicelib.classify import ClassifyInput
from chalicelib.classify.bedrock import BedrockClassifier, parse_answer
from chalicelib.classify.comprehend import ComprehendClassifier


def client(service):
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def sentiment_result(index, sentiment, neg=0.0, pos=0.0):
    return {
        "Index": index,
        "Sentiment": sentiment,
        "SentimentScore": {"Positive": pos, "Negative": neg, "Neutral": 1 - pos - neg, "Mixed": 0.0},
    }


def test_comprehend_batches_by_25_and_10_and_maps_labels():
    c = client("comprehend")
    items = [ClassifyInput(id=str(i), text=f"the service was ok today {i}", lang="en") for i in range(27)]
    items.append(ClassifyInput(id="fr", text="Service client nul, je veux un remboursement", lang="fr"))
    with Stubber(c) as stub:
        stub.add_response(
            "batch_detect_sentiment",
            {"ResultList": [sentiment_result(i, "NEGATIVE", neg=0.9) for i in range(25)], "ErrorList": []},
            {"TextList": ANY, "LanguageCode": "en"},
        )
        stub.add_response(
            "batch_detect_sentiment",
            {"ResultList": [sentiment_result(i, "POSITIVE", pos=0.8) for i in range(2)], "ErrorList": []},
            {"TextList": ANY, "LanguageCode": "en"},
        )
        stub.add_response(
            "batch_detect_sentiment",
            {"ResultList": [sentiment_result(0, "NEGATIVE", neg=0.95)], "ErrorList": []},
            {"TextList": ["Service client nul, je veux un remboursement"], "LanguageCode": "fr"},
        )
        for size in (10, 10, 7):
            stub.add_response(
                "detect_toxic_content",
                {
                    "ResultList": [
                        {
                            "Toxicity": 0.9 if i == 0 else 0.1,
                            "Labels": [{"Name": "INSULT", "Score": 0.9 if i == 0 else 0.1}],
                        }
                        for i in range(size)
                    ]
                },
                {"TextSegments": ANY, "LanguageCode": "en"},
            )
        labels = ComprehendClassifier(client=c).classify(items)
        stub.assert_no_pending_responses()
    assert len(labels) == 28 and all(lab.backend == "comprehend" for lab in labels)
    assert labels[0].sentiment == "negative" and labels[0].offensive and labels[0].why["offensive"] == ["insult"]
    assert labels[0].scores["negative"] == pytest.approx(0.9)
    assert labels[26].sentiment == "positive" and not labels[26].offensive
    assert labels[27].sentiment == "negative" and labels[27].complaint and labels[27].why["complaint"]


def converse_response(text):
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 10, "outputTokens": 10, "totalTokens": 20},
        "metrics": {"latencyMs": 5},
    }


def test_bedrock_parses_strict_json():
    c = client("bedrock-runtime")
    items = [
        ClassifyInput(id="a", text="@acme any discount for 20 seats?"),
        ClassifyInput(id="b", text="@acme the app is down again, refund me", followers=20_000),
    ]
    answer = [
        {
            "id": "0",
            "sentiment": "neutral",
            "complaint": False,
            "spam": False,
            "offensive": False,
            "lead": True,
            "needs_reply": True,
            "why": {"lead": ["discount", "20 seats"]},
        },
        {
            "id": "1",
            "sentiment": "negative",
            "complaint": True,
            "spam": False,
            "offensive": False,
            "lead": False,
            "needs_reply": True,
            "why": {"complaint": ["down again"], "negative": ["refund"]},
        },
    ]
    with Stubber(c) as stub:
        stub.add_response(
            "converse",
            converse_response("```json\n" + json.dumps(answer) + "\n```"),
            {"modelId": "amazon.nova-micro-v1:0", "system": ANY, "messages": ANY, "inferenceConfig": ANY},
        )
        labels = BedrockClassifier(client=c).classify(items)
    assert [lab.backend for lab in labels] == ["bedrock", "bedrock"]
    assert labels[0].lead and labels[0].why["lead"] == ["discount", "20 seats"]
    assert labels[0].why["needs_reply"]
    assert labels[1].complaint and "down again" in labels[1].why["complaint"] and labels[1].urgency >= 50
    # Urgency's reasons name what was said and the reach, never a label or a cue's name.
    assert set(labels[1].why["urgent"]) >= {"down again", "refund", "followers:20000"}
    assert not {"outage", "negative", "complaint"} & set(labels[1].why["urgent"])


def test_bedrock_falls_back_to_builtin_on_bad_json():
    c = client("bedrock-runtime")
    items = [ClassifyInput(id="a", text="I love it")]
    with Stubber(c) as stub:
        stub.add_response("converse", converse_response("Sure! Here are the labels: sentiment positive"), None)
        labels = BedrockClassifier(client=c).classify(items)
    assert labels[0].backend.startswith("builtin") and labels[0].sentiment == "positive"


def test_parse_answer_rejects_missing_ids_and_wrong_values():
    good = {
        "id": "0",
        "sentiment": "neutral",
        "complaint": False,
        "spam": False,
        "offensive": False,
        "lead": False,
        "needs_reply": False,
    }
    assert parse_answer(json.dumps([good]), ["0"])[0].sentiment == "neutral"
    with pytest.raises(ValueError, match="misses"):
        parse_answer(json.dumps([good]), ["0", "1"])
    with pytest.raises(ValueError, match="schema"):
        parse_answer(json.dumps([{**good, "sentiment": "angry"}]), ["0"])
