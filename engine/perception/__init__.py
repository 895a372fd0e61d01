"""Perception: small PyTorch models that turn raw inputs into typed symbols.

torch is imported here and nowhere else in `engine`; the reasoning core only sees
perception models through the duck-typed interface described in `engine.reason.perceived`.
"""
from .classifier import Classifier
from .learn import AnswerTable, answer_table, train_on_answers
from .models import lenet, mlp, small_cnn

__all__ = ["AnswerTable", "Classifier", "answer_table", "lenet", "mlp", "small_cnn", "train_on_answers"]
