strategy "sma-cross"
fast = sma(close, 10)
slow = sma(close, 30)
enter long when crosses_above(fast, slow)
exit long when crosses_below(fast, slow)
size 100 units
