strategy "rsi-reversion"
r = rsi(close, 14)
trend = sma(close, 200)
enter long when r < 30 and close > trend
exit long when r > 55
enter short when r > 70 and close < trend
exit short when r < 45
size 10% equity
stop_loss 2%
take_profit 4%
