"""The Horn core: semi-naive Datalog compiled to set comprehensions, magic sets, factoring."""
