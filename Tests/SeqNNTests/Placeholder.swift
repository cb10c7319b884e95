import SeqNN
