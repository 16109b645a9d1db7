"""Trains the demo classifier with a Session (the driver a person ports by hand)."""

import numpy as np
import tensorflow as tf
from model import NUM_FEATURES, NUM_STEPS, build_model


def main(steps=3):
    inputs, logits = build_model()
    labels = tf.placeholder(tf.int32, [None])
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits, labels))
    tf.scalar_summary("loss", loss)
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
    rng = np.random.RandomState(0)
    x = rng.randn(8, NUM_STEPS, NUM_FEATURES).astype(np.float32)
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.int32)
    with tf.Session() as sess:
        sess.run(tf.initialize_all_variables())
        for step in range(steps):
            value, _ = sess.run([loss, train_op], feed_dict={inputs: x, labels: y})
            print(step, value)


if __name__ == "__main__":
    main()
